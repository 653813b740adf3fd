//! The mailer's throughput to an SMTP server on 127.0.0.1 (issue 10): batches of 10 messages, as
//! the mail queue's event source delivers them, each naming a fresh outbox row.
//! Run: `cargo bench -p mailer --bench throughput`; messages a second = 10 / the batch time.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use shared::clock::Clock;
use shared::config::{Config, Mode};
use shared::db::Db;
use shared::jobs::Queue;
use shared::mail::templates;
use shared::testing::SmtpSink;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (sink, smtp) = SmtpSink::start();
    let state = rt.block_on(async {
        let mut vars = shared::testing::test_vars(dir.path());
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        );
        vars.insert("DATABASE_URL".into(), url);
        vars.insert("MAIL_TRANSPORT".into(), "smtp".into());
        vars.insert("SMTP_URL".into(), smtp);
        let config = Config::from_vars(Mode::Lambda, &vars).unwrap();
        let db = Db::connect(config.database_url(), 4, false).await.unwrap();
        db.migrate().await.unwrap();
        let mailer = shared::mail::from_config(&config).unwrap();
        shared::AppState::new(config, db, Clock::system(), mailer, Queue::Inline).unwrap()
    });
    let mut n = 0u64;
    let mut batch = || {
        let ids: Vec<i64> = rt.block_on(async {
            let mut tx = state.db.begin().await.unwrap();
            let mut ids = Vec::new();
            for _ in 0..10 {
                n += 1;
                let to = format!("user{n}@example.com");
                let mail = templates::reset_password(&state.config, &to, "Bench", "t0k3n");
                let id = templates::queue(&mut tx, &mail, &format!("bench:{n}"), 0)
                    .await
                    .unwrap();
                ids.push(id.unwrap());
            }
            tx.commit_queued().await.unwrap();
            ids
        });
        let records: Vec<_> = ids
            .iter()
            .map(|id| {
                json!({"messageId": format!("m{id}"), "body": id.to_string(),
                "attributes": {"ApproximateReceiveCount": "1"}})
            })
            .collect();
        serde_json::from_value(json!({"Records": records})).unwrap()
    };
    let mut group = c.benchmark_group("mailer");
    group.throughput(Throughput::Elements(10));
    group.bench_function("a batch of 10 to SMTP on 127.0.0.1", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let event = batch();
                let t = Instant::now();
                let res = rt.block_on(mailer::handle(&state, event));
                total += t.elapsed();
                assert!(res.batch_item_failures.is_empty());
            }
            total
        })
    });
    group.finish();
    eprintln!(
        "the SMTP server received {} messages",
        sink.received().len()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(10));
    targets = bench
}
criterion_main!(benches);
