//! A top-to-bottom writer over [`Doc`] pages: headings, label/value lines,
//! wrapped paragraphs and tables whose header repeats on each new page.

use super::{text_width, Doc, Weight, MARGIN, PAGE_HEIGHT, PAGE_WIDTH};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table column: its title, width in points and alignment.
#[derive(Debug, Clone)]
pub struct Col {
    pub title: &'static str,
    pub width: f32,
    pub align: Align,
}

impl Col {
    pub fn left(title: &'static str, width: f32) -> Col {
        Col { title, width, align: Align::Left }
    }
    pub fn right(title: &'static str, width: f32) -> Col {
        Col { title, width, align: Align::Right }
    }
}

pub struct Writer {
    pub doc: Doc,
    y: f32,
    footer: String,
}

const BODY: f32 = 9.5;
const LINE: f32 = 13.0;

impl Writer {
    /// `footer` is printed at the bottom of every page with its number.
    pub fn new(title: &str, footer: &str) -> Writer {
        let mut w = Writer { doc: Doc::new(title), y: 0.0, footer: footer.to_string() };
        w.page_break();
        w
    }

    fn page_break(&mut self) {
        self.doc.new_page();
        self.y = PAGE_HEIGHT - MARGIN;
    }

    fn ensure(&mut self, height: f32) -> bool {
        if self.y - height < MARGIN + 20.0 {
            self.page_break();
            true
        } else {
            false
        }
    }

    fn page(&mut self) -> &mut super::Page {
        let n = self.doc.page_count();
        &mut self.doc.pages[n - 1]
    }

    /// The image at the top right of the current page, at most 60 points
    /// high and 140 wide, its proportions kept.
    pub fn logo(&mut self, image: &super::Image) {
        let scale = (60.0 / image.height as f32).min(140.0 / image.width as f32);
        let (w, h) = (image.width as f32 * scale, image.height as f32 * scale);
        let index = self.doc.add_image(image.clone());
        let top = PAGE_HEIGHT - MARGIN + 10.0;
        self.page().image(index, PAGE_WIDTH - MARGIN - w, top - h, w, h);
    }

    pub fn title(&mut self, text: &str) {
        self.ensure(30.0);
        self.y -= 16.0;
        let y = self.y;
        self.page().text(MARGIN, y, 16.0, Weight::Bold, text);
        self.y -= 12.0;
    }

    pub fn heading(&mut self, text: &str) {
        self.ensure(30.0);
        self.y -= 14.0;
        let y = self.y;
        self.page().text(MARGIN, y, 11.0, Weight::Bold, text);
        self.page().rule(MARGIN, y - 3.0, PAGE_WIDTH - MARGIN, y - 3.0, 0.5);
        self.y -= 8.0;
    }

    pub fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// `Label : value` on one line.
    pub fn field(&mut self, label: &str, value: &str) {
        self.ensure(LINE);
        self.y -= LINE;
        let y = self.y;
        self.page().text(MARGIN, y, BODY, Weight::Bold, label);
        self.page().text(MARGIN + 150.0, y, BODY, Weight::Regular, value);
    }

    /// A paragraph wrapped to the page width.
    pub fn paragraph(&mut self, text: &str) {
        for line in wrap(text, PAGE_WIDTH - 2.0 * MARGIN, BODY, Weight::Regular) {
            self.ensure(LINE);
            self.y -= LINE;
            let y = self.y;
            self.page().text(MARGIN, y, BODY, Weight::Regular, line);
        }
    }

    /// A table; the header repeats on each page, cells too wide are cut with "…".
    pub fn table(&mut self, cols: &[Col], rows: &[Vec<String>], total: Option<Vec<String>>) {
        self.table_header(cols);
        for row in rows {
            if self.ensure(LINE) {
                self.table_header(cols);
            }
            self.y -= LINE;
            self.cells(cols, row, Weight::Regular);
        }
        if let Some(t) = total {
            if self.ensure(LINE + 4.0) {
                self.table_header(cols);
            }
            let y = self.y - 3.0;
            self.page().rule(MARGIN, y, PAGE_WIDTH - MARGIN, y, 0.5);
            self.y -= LINE + 2.0;
            self.cells(cols, &t, Weight::Bold);
        }
        self.y -= 6.0;
    }

    /// A table laid out to fit its text: each column as wide as its widest
    /// cell or header line (headers may break at `\n`), the widest
    /// left-aligned column (a label) taking what is left, and the type made
    /// smaller until every figure fits the page width. Nothing is cut but, as
    /// a last resort, that column's text. The header repeats on each page.
    pub fn fitted_table(&mut self, titles: &[(&str, Align)], rows: &[Vec<String>], total: Option<Vec<String>>) {
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let widest = |i: usize| {
            rows.iter().filter_map(|r| r.get(i)).map(|c| text_width(c, BODY, Weight::Regular)).fold(0.0, f32::max)
        };
        let flex = (0..titles.len())
            .filter(|i| titles[*i].1 == Align::Left)
            .max_by(|a, b| widest(*a).total_cmp(&widest(*b)))
            .unwrap_or(0);
        let mut size = BODY;
        let widths = loop {
            let measure = |i: usize| -> f32 {
                let head = titles[i].0.split('\n').map(|l| text_width(l, size, Weight::Bold)).fold(0.0, f32::max);
                let cells = rows
                    .iter()
                    .chain(total.iter())
                    .filter_map(|r| r.get(i))
                    .map(|c| text_width(c, size, Weight::Bold))
                    .fold(0.0, f32::max);
                head.max(cells) + 6.0
            };
            let mut w: Vec<f32> = (0..titles.len()).map(measure).collect();
            let fixed: f32 = w.iter().enumerate().filter(|(i, _)| *i != flex).map(|(_, x)| x).sum();
            if fixed + w[flex] <= width || size <= 6.5 {
                w[flex] = (width - fixed).max(0.0);
                break w;
            }
            size -= 0.5;
        };
        let lines = titles.iter().map(|t| t.0.split('\n').count()).max().unwrap_or(1);
        let line = size * 1.35;
        let header = |me: &mut Writer| {
            me.ensure(line * (lines as f32 + 1.0));
            for k in 0..lines {
                me.y -= line;
                let row: Vec<String> =
                    titles.iter().map(|t| t.0.split('\n').nth(k).unwrap_or("").to_string()).collect();
                me.fitted_cells(titles, &widths, &row, size, Weight::Bold);
            }
            let y = me.y - 3.0;
            me.page().rule(MARGIN, y, PAGE_WIDTH - MARGIN, y, 0.5);
            me.y -= 3.0;
        };
        header(self);
        for row in rows {
            if self.ensure(line) {
                header(self);
            }
            self.y -= line;
            self.fitted_cells(titles, &widths, row, size, Weight::Regular);
        }
        if let Some(t) = total {
            if self.ensure(line + 4.0) {
                header(self);
            }
            let y = self.y - 3.0;
            self.page().rule(MARGIN, y, PAGE_WIDTH - MARGIN, y, 0.5);
            self.y -= line + 2.0;
            self.fitted_cells(titles, &widths, &t, size, Weight::Bold);
        }
        self.y -= 6.0;
    }

    fn fitted_cells(&mut self, titles: &[(&str, Align)], widths: &[f32], row: &[String], size: f32, weight: Weight) {
        let mut x = MARGIN;
        let y = self.y;
        for ((t, w), cell) in titles.iter().zip(widths).zip(row) {
            let text = fit(cell, w - 4.0, size, weight);
            let tx = match t.1 {
                Align::Left => x,
                Align::Right => x + w - 4.0 - text_width(&text, size, weight),
            };
            self.page().text(tx, y, size, weight, text);
            x += w;
        }
    }

    fn table_header(&mut self, cols: &[Col]) {
        self.ensure(LINE * 2.0);
        self.y -= LINE;
        let titles: Vec<String> = cols.iter().map(|c| c.title.to_string()).collect();
        self.cells(cols, &titles, Weight::Bold);
        let y = self.y - 3.0;
        self.page().rule(MARGIN, y, PAGE_WIDTH - MARGIN, y, 0.5);
        self.y -= 3.0;
    }

    fn cells(&mut self, cols: &[Col], row: &[String], weight: Weight) {
        let mut x = MARGIN;
        let y = self.y;
        for (col, cell) in cols.iter().zip(row) {
            let text = fit(cell, col.width - 4.0, BODY, weight);
            let tx = match col.align {
                Align::Left => x,
                Align::Right => x + col.width - 4.0 - text_width(&text, BODY, weight),
            };
            self.page().text(tx, y, BODY, weight, text);
            x += col.width;
        }
    }

    /// The finished document, each page numbered "page n / N" with the footer.
    pub fn finish(mut self) -> Doc {
        let n = self.doc.page_count();
        for (i, page) in self.doc.pages.iter_mut().enumerate() {
            page.text(MARGIN, MARGIN - 20.0, 7.5, Weight::Regular, format!("{} — page {} / {}", self.footer, i + 1, n));
        }
        self.doc
    }
}

/// Cuts `text` with "…" to fit `width`.
fn fit(text: &str, width: f32, size: f32, weight: Weight) -> String {
    if text_width(text, size, weight) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&format!("{out}{c}…"), size, weight) > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Splits `text` into lines no wider than `width`, at spaces.
pub fn wrap(text: &str, width: f32, size: f32, weight: Weight) -> Vec<String> {
    let mut lines = vec![];
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if !line.is_empty() && text_width(&candidate, size, weight) > width {
                lines.push(std::mem::take(&mut line));
                line = fit(word, width, size, weight);
            } else {
                line = candidate;
            }
        }
        lines.push(line);
    }
    lines
}
