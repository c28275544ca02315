//! `migration up|status`: the migrations on their own, for operators who want them without the
//! `mixpilot` binary. The database comes from `MIXPILOT_DATABASE_URL`. `mixpilot migrate` does the
//! same thing with the full configuration.

use std::process::ExitCode;

use sea_orm_migration::sea_orm::Database;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Ok(url) = std::env::var("MIXPILOT_DATABASE_URL") else {
        eprintln!("error: MIXPILOT_DATABASE_URL is not set (for example postgres://user@host/db)");
        return ExitCode::from(2);
    };
    let command = std::env::args().nth(1).unwrap_or_else(|| "up".to_owned());
    let db = match Database::connect(&url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("error: MIXPILOT_DATABASE_URL: cannot connect: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match command.as_str() {
        "up" => migration::apply_pending(&db)
            .await
            .map(|()| println!("migrations applied")),
        "status" => migration::states(&db).await.map(|states| {
            for s in states {
                println!(
                    "{} {}",
                    if s.applied { "applied" } else { "pending" },
                    s.name
                );
            }
        }),
        other => {
            eprintln!("error: unknown command `{other}` (expected `up` or `status`)");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
