//! The example SCIM service provider. For now it prints the built-in User schema (RFC 7643 §8.7.1);
//! the full SQLite-backed server grows here.

fn main() {
    let user = scimkit::schema::ResourceSchema::user();
    let schemas: Vec<_> = user.schemas().collect();
    match serde_json::to_string_pretty(&schemas) {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("scim-server: {e}");
            std::process::exit(1);
        }
    }
}
