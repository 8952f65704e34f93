//! A bank account as a member or a letter shows it.

/// `******************** 7171`: only the last four digits show.
pub fn masked(rib: Option<&str>) -> String {
    let chars: Vec<char> = rib.unwrap_or("").chars().collect();
    if chars.len() <= 4 {
        return "—".to_string();
    }
    let (hidden, shown) = chars.split_at(chars.len() - 4);
    format!("{} {}", "*".repeat(hidden.len()), shown.iter().collect::<String>())
}
