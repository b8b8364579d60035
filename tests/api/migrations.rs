use std::collections::BTreeSet;

fn names(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
        .expect("migrations folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
    for name in &sqlite {
        for backend in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                let path = format!(
                    "{}/migrations/{backend}/{name}/{file}",
                    env!("CARGO_MANIFEST_DIR")
                );
                assert!(std::path::Path::new(&path).exists(), "{path} missing");
            }
        }
    }
}

#[tokio::test]
async fn migrations_run_up_down_and_up_again() {
    let app = crate::helpers::spawn_app().await;
    let mut conn = app.conn();
    let count = names("sqlite").len();
    // The app ran them up already; revert (the demo rows go with the tables) and run them again.
    assert_eq!(
        calab::db::revert_all_migrations(&mut conn).expect("down"),
        count
    );
    assert!(calab::db::has_pending_migrations(&mut conn).expect("pending"));
    assert_eq!(
        calab::db::run_migrations(&mut conn)
            .expect("up again")
            .len(),
        count
    );
    assert!(!calab::db::has_pending_migrations(&mut conn).expect("pending"));
}
