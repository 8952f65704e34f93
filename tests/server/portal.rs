//! The members' portal through the server: its own cookie (secure, not
//! readable by scripts, never sent from another site), the form token on
//! every change, a member's space answering for him only, staff tokens and
//! member cookies never accepted for one another.

use crate::support::TestDb;
use crate::{client, login, server, staff, system, ADMIN};
use guichet_client::reqwest::{header, Client as Http, StatusCode};
use serde_json::{json, Value};

crate::on_both_backends!(the_portal_door_holds_its_cookie_its_form_token_and_each_members_own_space,);

/// Posts JSON to a portal path; the status, the cookie set (if any) and the answer.
async fn post(
    http: &Http,
    base: &str,
    path: &str,
    cookie: Option<&str>,
    csrf: Option<&str>,
    body: Value,
) -> (StatusCode, Option<String>, Value) {
    // As the portal's page sends it: JSON, from its own origin.
    let mut req = http.post(format!("{base}/portail/api/{path}")).json(&body).header(header::ORIGIN, base);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    if let Some(t) = csrf {
        req = req.header("x-guichet-csrf", t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let set = resp.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_string());
    (status, set, resp.json().await.unwrap_or(Value::Null))
}

async fn get(http: &Http, base: &str, path: &str, cookie: Option<&str>) -> (StatusCode, Value) {
    let mut req = http.get(format!("{base}/portail/api/{path}"));
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let resp = req.send().await.unwrap();
    (resp.status(), resp.json().await.unwrap_or(Value::Null))
}

/// The code printed on the letter saved at `path`.
fn code_on(path: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftotext").arg("-layout").arg(path).arg("-").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let at = text.find("Code d'accès").unwrap_or_else(|| panic!("{text}"));
    text[at..].split_whitespace().nth(2).unwrap().to_string()
}

async fn the_portal_door_holds_its_cookie_its_form_token_and_each_members_own_space(t: TestDb) {
    staff(&t.db).await;
    for (matricule, last, cnie) in [("13059", "Benhnini", "BE100200"), ("13060", "Chraïbi", "BE654321")] {
        let m = json!({"matricule": matricule, "last_name": last, "first_name": "A", "status": "actif", "cnie": cnie});
        system(&t.db, "member_create", m).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let running = server(&t.db, dir.path(), |_| {}).await;
    let desk = client(&running, "Guichet 1 — accueil");
    login(&desk, "accueil", ADMIN).await;
    let (http, base) = desk.http();
    let (http, base) = (http.clone(), base.to_string());

    // The portal's page and its script, from the binary, kept to themselves.
    let page = http.get(format!("{base}/portail/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "the UI is built before the tests (npm run build)");
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"fr\">") && html.contains("id=\"contenu\""), "{html}");
    let script = html.split("src=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(script.starts_with("/portail/assets/"), "{script}");
    let js = http.get(format!("{base}{script}")).send().await.unwrap();
    assert_eq!(js.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");

    // Each member activates his space with the code of his letter, then logs in.
    let mut cookies = vec![];
    for (matricule, cnie) in [("13059", "BE100200"), ("13060", "BE654321")] {
        let page = desk.call("member_get", json!({"matricule": matricule})).await.unwrap();
        let letter = dir.path().join(format!("{matricule}.pdf"));
        let req = json!({"member_id": page["member"]["id"], "purpose": "activation", "path": letter.to_str().unwrap()});
        desk.call("portal_code_letter", req).await.unwrap();
        let form = json!({"matricule": matricule, "cnie": cnie, "code": code_on(&letter), "password": "Portail2026"});
        let (status, _, answer) = post(&http, &base, "portal_activate", None, None, form).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let form = json!({"identifier": matricule, "password": "Portail2026"});
        let (status, set, answer) = post(&http, &base, "portal_login", None, None, form).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let set = set.expect("a session cookie");
        for flag in ["Path=/portail", "Secure", "HttpOnly", "SameSite=Strict"] {
            assert!(set.contains(flag), "{flag} in {set}");
        }
        let cookie = set.split(';').next().unwrap().to_string();
        assert_eq!(cookie.len(), "guichet_portail=".len() + 64, "256 random bits");
        cookies.push((cookie, answer["csrf"].as_str().unwrap().to_string()));
    }
    let ((fouad, fouad_csrf), (fatima, _)) = (&cookies[0], &cookies[1]);

    // Each one's space is his own.
    let (status, mine) = get(&http, &base, "portal_view", Some(fouad)).await;
    assert_eq!((status, mine["identity"]["matricule"].as_str()), (StatusCode::OK, Some("13059")));
    let (_, hers) = get(&http, &base, "portal_view", Some(fatima)).await;
    assert_eq!(hers["identity"]["matricule"], "13060");
    // No cookie, a made-up one, or a desk's token: no member.
    let (status, e) = get(&http, &base, "portal_view", None).await;
    assert_eq!((status, e["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    let (status, _) = get(&http, &base, "portal_view", Some(&format!("guichet_portail={}", "0".repeat(64)))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let staff_token = desk.token().unwrap();
    let (status, _) = get(&http, &base, "portal_view", Some(&format!("guichet_portail={staff_token}"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a desk's token is no member's session");
    // A member's cookie is no desk's token either.
    let thief = client(&running, "ailleurs");
    thief.set_token(Some(fouad.trim_start_matches("guichet_portail=").to_string()));
    assert!(thief.call("member_search", json!({"query": "benhnini"})).await.is_err());
    // Another member's statement answers as one that does not exist.
    let (status, e) = get(&http, &base, "portal_statement_pdf?number=DEC-2023-00000001", Some(fatima)).await;
    assert_eq!(
        (status, e["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Aucun décompte de ce numéro dans votre espace."))
    );

    // One way in: every operation of the members' space answers at its
    // address, as the page calls it; none of the desk's does, with a
    // member's cookie or without; none of the portal's is a desk's.
    for op in guichet_core::api::ops::all() {
        let (status, _, e) = post(&http, &base, op.name, Some(fatima), None, json!({})).await;
        let unknown = status == StatusCode::NOT_FOUND
            && e["message"].as_str() == Some("Cette page n'existe pas dans l'espace adhérent.");
        assert_eq!(unknown, op.space == guichet_core::api::Space::Desk, "{}: {status} {e}", op.name);
    }
    let e = desk.call("portal_view", json!({})).await.unwrap_err();
    assert_eq!(e.code, guichet_core::error::ErrorCode::NotFound, "{}", e.message);
    let (status, _) = get(&http, &base, "portal_logout", Some(fatima)).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "a change is never a GET");
    // What changes nothing is also a GET: the brand, before login.
    let (status, brand) = get(&http, &base, "portal_brand", None).await;
    assert_eq!((status, brand["logo"].as_bool()), (StatusCode::OK, Some(false)));

    // A change without the form token is refused; with it, done.
    let (status, _, e) = post(&http, &base, "portal_logout", Some(fouad), None, json!({})).await;
    assert_eq!(
        (status, e["message"].as_str()),
        (StatusCode::FORBIDDEN, Some("Formulaire expiré : rechargez la page puis recommencez."))
    );
    let (status, set, _) = post(&http, &base, "portal_logout", Some(fouad), Some(fouad_csrf), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(set.unwrap().contains("Max-Age=0"), "the cookie is cleared");
    let (status, _) = get(&http, &base, "portal_view", Some(fouad)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the session ended on the server");
    // Wrong passwords: the same answer as an unknown matricule.
    let (s1, _, a1) =
        post(&http, &base, "portal_login", None, None, json!({"identifier": "13059", "password": "Faux1234"})).await;
    let (s2, _, a2) =
        post(&http, &base, "portal_login", None, None, json!({"identifier": "99999", "password": "Faux1234"})).await;
    assert_eq!((s1, &a1), (s2, &a2));
    // A form sent without one of its fields is told which, in French.
    let (status, _, e) = post(&http, &base, "portal_login", None, None, json!({"identifier": "13059"})).await;
    assert_eq!((status, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("password")));
    assert_eq!(e["message"], "Le champ « password » est obligatoire.");
    assert_eq!(s1, StatusCode::UNAUTHORIZED);

    // Issue 35, item 14: a login comes from the portal's own page only —
    // JSON, and the same origin (told by Sec-Fetch-Site, or else Origin).
    let form = json!({"identifier": "13060", "password": "Portail2026"});
    let url = format!("{base}/portail/api/portal_login");
    let plain = http.post(&url).header(header::ORIGIN, &base).body(form.to_string()).send().await.unwrap();
    assert_eq!(plain.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "a form of another site posts text, not JSON");
    let elsewhere = http.post(&url).json(&form).header(header::ORIGIN, "https://piege.example").send().await.unwrap();
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
    let cross = http.post(&url).json(&form).header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let unsaid = http.post(&url).json(&form).send().await.unwrap();
    assert_eq!(unsaid.status(), StatusCode::FORBIDDEN, "a request that does not say where it comes from");
    let ours = http.post(&url).json(&form).header("sec-fetch-site", "same-origin").send().await.unwrap();
    assert_eq!(ours.status(), StatusCode::OK);
    // HSTS on every HTTPS answer; nothing of the member's space in a cache.
    assert_eq!(ours.headers()[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
    assert_eq!(ours.headers()[header::CACHE_CONTROL], "no-store");
    let took = ours.headers()["server-timing"].to_str().unwrap();
    assert!(took.strip_prefix("app;dur=").is_some_and(|ms| ms.parse::<f64>().is_ok()), "{took}");
    let page = http.get(format!("{base}/portail/")).send().await.unwrap();
    assert_eq!(page.headers()[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
    let health = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.headers()[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
    let refused = http.get(format!("{base}/portail/api/portal_view")).send().await.unwrap();
    assert_eq!(refused.headers()[header::CACHE_CONTROL], "no-store");
    running.stop().await;
}
