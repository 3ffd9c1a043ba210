//! `scim-seed`: fills an example-server database with generated users and groups, straight into
//! SQLite or PostgreSQL, for the load tests in `benches/load/` (creating a million users over HTTP would measure
//! the seeding, not the server).
//!
//! ```text
//! cargo run --release -p examples --bin scim-seed -- --db load.db --users 1000000 --groups 10000 --big-group 100000
//! ```
//!
//! Ids are deterministic (`user-id(i)`, `group-id(j)`) so that load scripts can address resources
//! without listing them first.

use clap::Parser;
use examples::server::{Config, Db, Server};
use scimkit::schema::ResourceSchema;
use scimkit_server::store::{unique_keys, Member, MemberChange, MemberType, Write};
use serde_json::json;

/// Seeds an example-server database.
#[derive(Debug, Parser)]
struct Args {
    /// SQLite database file (created if missing), or a `postgres://` URL.
    #[arg(long)]
    db: String,
    /// Tenant to seed; its token is printed.
    #[arg(long, default_value = "load")]
    tenant: String,
    /// Number of users.
    #[arg(long, default_value_t = 10_000)]
    users: u64,
    /// Number of groups (each with a few members).
    #[arg(long, default_value_t = 100)]
    groups: u64,
    /// Members of group 0, the "big group" (capped at the number of users).
    #[arg(long, default_value_t = 1_000)]
    big_group: u64,
}

/// The id of generated user `i`: a valid UUID, so it looks like what the server assigns.
fn user_id(i: u64) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

/// The id of generated group `j`.
fn group_id(j: u64) -> String {
    format!("00000000-0000-4000-9000-{j:012}")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let server = runtime.block_on(Server::connect(&Db::parse(&args.db), Config::default()))?;
    let token = server.create_tenant(&args.tenant)?;
    let store = server.store().clone();
    let tenant = args.tenant.clone();
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let started = std::time::Instant::now();
    let user_schema = ResourceSchema::user();
    runtime.block_on(async {
        for chunk in (0..args.users).collect::<Vec<_>>().chunks(20_000) {
            let batch = chunk
                .iter()
                .map(|&i| {
                    let id = user_id(i);
                    let doc = json!({
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                        "id": id,
                        "externalId": format!("ext-{i}"),
                        "userName": format!("user{i}@example.com"),
                        "name": {"givenName": format!("Given{i}"), "familyName": format!("Family{}", i % 997)},
                        "displayName": format!("User {i}"),
                        "title": format!("Title {}", i % 1000),
                        "active": true,
                        "emails": [
                            {"value": format!("user{i}@example.com"), "type": "work", "primary": true},
                            {"value": format!("user{i}@home.example.org"), "type": "home"}
                        ],
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                            "employeeNumber": format!("{i}"), "department": format!("Dept {}", i % 50)
                        },
                        "meta": {"resourceType": "User", "created": now, "lastModified": now}
                    });
                    let keys = unique_keys(&user_schema, &doc);
                    (id, Write::document(doc, keys, now.clone()))
                })
                .collect();
            store.import(&tenant, "User", batch).await?;
        }
        let groups = (0..args.groups)
            .map(|j| {
                let id = group_id(j);
                let doc = json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "id": id,
                    "displayName": format!("Group {j}"),
                    "meta": {"resourceType": "Group", "created": now, "lastModified": now}
                });
                let size = if j == 0 { args.big_group.min(args.users) } else { 5.min(args.users) };
                let offset = if j == 0 { 0 } else { (j * 7) % args.users.max(1) };
                let members: Vec<Member> = (0..size)
                    .map(|k| Member {
                        value: user_id((offset + k) % args.users),
                        kind: MemberType::User,
                        display: None,
                    })
                    .collect();
                (id, Write::document(doc, Vec::new(), now.clone()).with_members(MemberChange::Add(members)))
            })
            .collect();
        store.import(&tenant, "Group", groups).await?;
        Ok::<_, scimkit_server::store::StoreError>(())
    })?;
    eprintln!(
        "seeded {} users and {} groups (big group: {} members) in {:.1} s",
        args.users,
        args.groups,
        args.big_group.min(args.users),
        started.elapsed().as_secs_f64()
    );
    println!("{token}");
    Ok(())
}
