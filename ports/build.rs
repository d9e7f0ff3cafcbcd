// Why: `sqlx::migrate!` embeds the migrations folder at compile time, and
// cargo does not know the folder is an input: without this, a new migration
// file is missing from a build whose sources did not otherwise change.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
