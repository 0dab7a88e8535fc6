//! `sqlx-oracle <migrations-dir> <sqlite-file>`: run sqlx's `Migrator` (as
//! `sqlx migrate run` and `migrate!().run()` do) on the database, creating
//! it if needed, and print one line: `ok` or `error: <the error's Display>`.

use std::process::ExitCode;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, db] = &args[..] else {
        eprintln!("usage: sqlx-oracle <migrations-dir> <sqlite-file>");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start tokio: {err}");
            return ExitCode::from(2);
        }
    };
    let outcome: Result<(), String> = runtime.block_on(async {
        let options = SqliteConnectOptions::new().filename(db).create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|err| format!("connect: {err}"))?;
        let migrator = Migrator::new(std::path::Path::new(dir))
            .await
            .map_err(|err| err.to_string())?;
        let result = migrator.run(&pool).await.map_err(|err| err.to_string());
        pool.close().await;
        result
    });
    match outcome {
        Ok(()) => println!("ok"),
        Err(err) => println!("error: {err}"),
    }
    ExitCode::SUCCESS
}
