//! `scim-server`: the example SCIM 2.0 service provider on embedded SQLite, or on PostgreSQL for
//! several instances behind a load balancer.
//!
//! ```text
//! cargo run -p examples --bin scim-server -- --listen 127.0.0.1:8080 --db scim.db --tenant acme
//! cargo run -p examples --bin scim-server -- --db postgresql://scim@localhost/scim --tenant acme
//! cargo run -p examples --bin scim-server -- --agents   # also /Agents and /AgenticApplications
//! ```

use clap::Parser;

/// A SCIM 2.0 service provider (RFC 7643/7644) on embedded SQLite or PostgreSQL, built on scimkit.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "SCIM_LISTEN")]
    listen: std::net::SocketAddr,
    /// SQLite database file (created if missing; also `sqlite:PATH`), or a PostgreSQL URL
    /// (`postgres://user@host/db`) that several instances share: data, tenants and tokens.
    #[arg(long, default_value = "scim-server.db", env = "SCIM_DB")]
    db: String,
    /// Tenant to create at start if it does not exist; its first bearer token is printed.
    /// Repeatable. More tokens are issued on the admin page, without a restart.
    #[arg(long = "tenant", default_value = "default")]
    tenants: Vec<String>,
    /// Largest page a list or search returns (`count` is clamped to it).
    #[arg(long, default_value_t = 500)]
    max_page_size: usize,
    /// Largest request body in bytes (larger bodies get 413).
    #[arg(long, default_value_t = 1 << 20)]
    max_body: usize,
    /// The URL clients reach the server at (scheme and authority), for `meta.location` and
    /// `Location`; default `http://{listen}`. Request `Host` headers are never used for it.
    #[arg(long, env = "SCIM_BASE_URL")]
    base_url: Option<String>,
    /// What SCIM DELETE of a User does to its account: `soft` keeps it, inactive, and restores
    /// it when the IdP creates the person again; `hard` removes it.
    #[arg(long, value_enum, default_value = "soft")]
    delete: examples::server::DeleteMode,
    /// The admin credential for `/admin` and `/admin/api`; default: a random one, printed.
    #[arg(long, env = "SCIM_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Days audit entries are kept.
    #[arg(long, default_value_t = 90)]
    audit_retention_days: u64,
    /// Seconds a rotated-out SCIM token keeps working by default.
    #[arg(long, default_value_t = 86_400)]
    token_overlap: u64,
    /// Seconds a client has to send a request's head, and a kept-alive connection its next request.
    #[arg(long, default_value_t = 10)]
    header_read_timeout: u64,
    /// Seconds a connection may stay silent while the server waits for the rest of a request.
    #[arg(long, default_value_t = 30)]
    idle_timeout: u64,
    /// Largest number of connections served at once; further ones wait in the listen backlog.
    #[arg(long, default_value_t = 512)]
    max_connections: usize,
    /// Read client input by the RFCs alone: refuse unknown attributes and member ids instead of
    /// skipping and reporting them.
    #[arg(long)]
    strict: bool,
    /// Also serve AI agent identities at /Agents and /AgenticApplications
    /// (draft-wzdk-scim-agent-resource-00 with draft-abbey-scim-agent-extension-00).
    #[arg(long)]
    agents: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen).await?;
        // The address actually bound: with `--listen 127.0.0.1:0` the OS picks the port.
        let bound = listener.local_addr()?;
        let config = examples::server::Config {
            max_page_size: args.max_page_size,
            max_body: args.max_body,
            base_url: args
                .base_url
                .clone()
                .unwrap_or_else(|| format!("http://{bound}")),
            delete: args.delete,
            audit_retention: std::time::Duration::from_secs(
                args.audit_retention_days.saturating_mul(86_400),
            ),
            token_overlap: std::time::Duration::from_secs(args.token_overlap),
            admin_token: args.admin_token.clone(),
            interop: if args.strict {
                scimkit_server::Interop::strict()
            } else {
                scimkit_server::Interop::idp_compatible()
            },
            connections: examples::server::Connections {
                header_read_timeout: std::time::Duration::from_secs(args.header_read_timeout),
                idle_timeout: std::time::Duration::from_secs(args.idle_timeout),
                max_connections: args.max_connections,
            },
            agents: args.agents,
            ..Default::default()
        };
        let db = examples::server::Db::parse(&args.db);
        let server = examples::server::Server::connect(&db, config).await?;
        for tenant in &args.tenants {
            let token = server.ensure_tenant(tenant)?;
            println!("tenant:   {tenant}");
            println!("base URL: {}", server.service().base_url(tenant));
            match token {
                Some(token) => println!("token:    {token}"),
                None => println!("token:    (tenant exists: issue a new token on the admin page)"),
            }
            println!();
        }
        println!("admin:    http://{bound}/admin");
        if args.admin_token.is_none() {
            println!("admin credential: {}", server.admin_credential());
        }
        println!(
            "try:      curl -H 'Authorization: Bearer <token>' {}/ServiceProviderConfig",
            server.service().base_url(&args.tenants[0])
        );
        server.serve(listener, shutdown()).await?;
        Ok(())
    })
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}
