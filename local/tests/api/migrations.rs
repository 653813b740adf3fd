//! The MySQL and SQLite migration folders hold the same migrations.

use std::path::Path;

fn names(dir: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    let mut v: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_two_migration_folders_hold_the_same_file_names() {
    let mysql = names("mysql");
    let sqlite = names("sqlite");
    assert!(!mysql.is_empty());
    assert_eq!(mysql, sqlite);
    for n in &mysql {
        let (num, rest) = n.split_once('_').expect("NNNN_what.sql");
        assert_eq!(num.len(), 4, "{n}");
        assert!(num.bytes().all(|b| b.is_ascii_digit()), "{n}");
        assert!(rest.ends_with(".sql"), "{n}");
    }
}

#[test]
fn both_folders_create_the_same_tables() {
    let tables = |dir: &str| -> Vec<String> {
        let mut t = Vec::new();
        for n in names(dir) {
            let p = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(dir)
                .join(n);
            let sql = std::fs::read_to_string(p).unwrap();
            for line in sql.lines() {
                if let Some(rest) = line.trim().strip_prefix("CREATE TABLE ") {
                    t.push(rest.split_whitespace().next().unwrap().to_string());
                }
            }
        }
        t.sort();
        t
    };
    assert_eq!(tables("mysql"), tables("sqlite"));
}
