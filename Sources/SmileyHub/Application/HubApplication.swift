import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import SmileyCore

/// What keeps idle or slow clients from pinning the hub (docs/operations.md).
public struct ConnectionLimits: Sendable, Equatable {
    /// Connections open at once; further ones wait in the kernel's listen queue until one closes.
    public var maximumConnections: Int
    /// A connection with no request in progress, or whose request head is still arriving, is closed
    /// after this long.
    public var idleTimeout: Duration
    /// A request's head and body must have arrived within this long of its head.
    public var requestTimeout: Duration

    public init(
        maximumConnections: Int = 512, idleTimeout: Duration = .seconds(30), requestTimeout: Duration = .seconds(60)
    ) {
        self.maximumConnections = maximumConnections
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
    }
}

/// Where the hub listens and keeps its data.
public struct HubConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var stateDirectory: String
    /// PEM certificate chain and private key: when both are set the hub serves HTTPS only.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    public var connections: ConnectionLimits
    /// Cells and days with fewer presses show their count but no index (see docs/statistics.md).
    public var minimumCellCount: Int
    /// The lobby screen's font and Dzongkha strings.
    public var lobby: LobbySettings
    /// Where alerts are delivered (webhook, e-mail); nil: shown on the pages only.
    public var delivery: DeliveryConfiguration?
    /// How often the alert rules are evaluated.
    public var alertInterval: Duration
    /// Who may read `/metrics` (docs/operations.md).
    public var metricsAccess: MetricsAccess = .loopbackOnly
    /// On PostgreSQL, the bounds of a periodic job's lease cut off by a silent network (docs/postgresql.md).
    public var leaseLiveness: LeaseLiveness = .standard

    public init(
        host: String = "127.0.0.1", port: Int = 8080, stateDirectory: String, tlsCertificatePath: String? = nil,
        tlsKeyPath: String? = nil, connections: ConnectionLimits = ConnectionLimits(), minimumCellCount: Int = 5,
        lobby: LobbySettings = LobbySettings(), delivery: DeliveryConfiguration? = nil,
        alertInterval: Duration = .seconds(60)
    ) {
        self.delivery = delivery
        self.alertInterval = alertInterval
        self.minimumCellCount = minimumCellCount
        self.lobby = lobby
        self.host = host
        self.port = port
        self.stateDirectory = stateDirectory
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsKeyPath = tlsKeyPath
        self.connections = connections
    }

    /// The server's TLS configuration, or nil for plain HTTP; errors name the file at fault.
    func tlsConfiguration() throws(HubError) -> TLSConfiguration? {
        switch (tlsCertificatePath, tlsKeyPath) {
        case (nil, nil):
            return nil
        case (let certificate?, let key?):
            let chain: [NIOSSLCertificate]
            do { chain = try NIOSSLCertificate.fromPEMFile(certificate) } catch {
                throw .invalid("cannot read the TLS certificate \(certificate): \(error)")
            }
            guard !chain.isEmpty else { throw .invalid("no certificate in \(certificate)") }
            let privateKey: NIOSSLPrivateKey
            do { privateKey = try NIOSSLPrivateKey(file: key, format: .pem) } catch {
                throw .invalid("cannot read the TLS private key \(key): \(error)")
            }
            return TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        default:
            throw .invalid("HTTPS needs both a certificate and a private key")
        }
    }

    public var databasePath: String { stateDirectory + "/hub.sqlite" }
}

/// The hub's routes: ingest for devices (device tokens), and for people (a session or a personal API token)
/// the dashboard pages, heatmaps and exports, each read through a `CentreReader` scoped to the person.
public func buildRouter(
    database: HubDatabase, clock: HubClock = .system, settings: ReportSettings = ReportSettings(),
    feed: PressFeed = PressFeed(), access: AccessSettings = AccessSettings(), lobby: LobbySettings = LobbySettings(),
    metrics: HubMetrics = HubMetrics(), metricsAccess: MetricsAccess = .loopbackOnly
) throws -> Router<HubRequestContext> {
    let router = Router(context: HubRequestContext.self)
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.get("healthz") { _, _ in "ok" }
    IngestController(database: database, clock: clock, feed: feed, metrics: metrics).addRoutes(
        to: router)
    // Before the people's middleware: a scraper is not a person, and its token is not a personal one.
    MetricsController(metrics: metrics, source: database, clock: clock, access: metricsAccess).addRoutes(to: router)
    let templates = try Templates.library()
    // The lobby screen is public: a display token in its path, no session, no personal token.
    LobbyController(
        display: database, store: database, care: database, clock: clock, settings: settings, lobby: lobby,
        strings: try LobbyStrings.load(path: lobby.stringsPath), templates: templates
    ).addRoutes(to: router)

    let gate = try Access(database: database, clock: clock, settings: access)
    let readers = Readers(store: database, clock: clock, settings: settings)
    // Everything below is for people: the identity comes from a session cookie or a personal API token.
    let people = router.group().add(middleware: IdentifyMiddleware(access: gate))
    LoginController(access: gate, templates: templates).addRoutes(to: people)
    let pages = people.group().add(middleware: RequireIdentityMiddleware(anonymous: .redirectToLogin))
    DashboardController(readers: readers, feed: feed, templates: templates).addRoutes(to: pages)
    AlertController(readers: readers, clock: clock).addRoutes(to: pages)
    let account = AccountController(access: gate, templates: templates)
    account.addRoutes(to: pages)
    let administrators = people.group()
        .add(middleware: RequireIdentityMiddleware(anonymous: .redirectToLogin, role: .administrator))
    account.addAdministratorRoutes(to: administrators)
    let api = people.group().add(middleware: RequireIdentityMiddleware(anonymous: .unauthorized))
    HeatmapController(readers: readers).addRoutes(to: api)
    ExportController(readers: readers, audit: database).addRoutes(to: api)
    return router
}

/// The hub as a runnable service; `onServerRunning` receives the bound port (useful with port 0); `alertWake`
/// runs an alert evaluation at once (tests move the clock, then wake it).
public func buildApplication(
    configuration: HubConfiguration, database: HubDatabase, logger: Logger, clock: HubClock = .system,
    access: AccessSettings = AccessSettings(), alertWake: WakeSignal = WakeSignal(), metrics: HubMetrics = HubMetrics(),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let feed = PressFeed()
    let limits = configuration.connections
    let (server, secure) = try httpServer(configuration: configuration, metrics: metrics)
    var access = access
    if secure { access.secureCookies = true }
    var app = Application(
        router: try buildRouter(
            database: database, clock: clock, settings: ReportSettings(minimumCount: configuration.minimumCellCount),
            feed: feed, access: access, lobby: configuration.lobby, metrics: metrics,
            metricsAccess: configuration.metricsAccess),
        server: server,
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "smiley-hub",
            availableConnectionsDelegate: MaximumAvailableConnections(limits.maximumConnections, logger: logger)),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
    let delivery = configuration.delivery ?? DeliveryConfiguration()
    let signal = WakeSignal()
    app.addServices(
        feed, PlannerStatisticsService(database: database, clock: clock, logger: logger),
        AlertService(
            evaluator: AlertEvaluator(database: database, channels: delivery.channels), clock: clock,
            interval: configuration.alertInterval, logger: logger, wake: alertWake, delivery: signal))
    if !delivery.channels.isEmpty {
        app.addServices(
            DeliveryService(
                deliverer: AlertDeliverer(database: database, configuration: delivery, logger: logger), clock: clock,
                signal: signal, logger: logger))
    }
    if let sender = WeeklyReportSender(
        database: database, configuration: delivery,
        settings: ReportSettings(minimumCount: configuration.minimumCellCount), logger: logger)
    {
        app.addServices(WeeklyReportService(sender: sender, clock: clock, logger: logger))
    } else {
        logger.notice("weekly reports are not mailed: no SMTP server is configured (smiley-hub serve --smtp-host)")
    }
    return app
}

/// HTTP/1 with the connection limits, over TLS when a certificate is configured (then `secure` is true).
func httpServer(configuration: HubConfiguration, metrics: HubMetrics) throws -> (HTTPServerBuilder, secure: Bool) {
    let limits = configuration.connections
    let http1 = HTTPServerBuilder.http1(
        configuration: .init(
            additionalChannelHandlers: [
                ConnectionCountingHandler(metrics: metrics),
                RequestDeadlineHandler(timeout: TimeAmount(limits.requestTimeout)),
            ],
            idleTimeout: TimeAmount(limits.idleTimeout)))
    if let tls = try configuration.tlsConfiguration() {
        return (try .tls(http1, tlsConfiguration: tls), true)
    }
    return (http1, false)
}

/// Runs the hub until SIGTERM or SIGINT.
public func runHub(configuration: HubConfiguration, database: HubDatabase, logger: Logger) async throws {
    let scheme = configuration.tlsCertificatePath == nil ? "http" : "https"
    let app = try buildApplication(configuration: configuration, database: database, logger: logger) { port in
        logger.notice("listening on \(scheme)://\(configuration.host):\(port)/")
    }
    try await app.runService()
}
