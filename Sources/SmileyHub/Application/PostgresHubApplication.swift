import Hummingbird
import HummingbirdCore
import Logging
import PostgresNIO
import SmileyCore

/// The routes of a hub whose storage is a `PressStore` alone (PostgreSQL): health, ingest, heartbeat,
/// device status and enrollment; any other path is not found (404), as on SQLite.
public func buildDeviceRouter(
    store: any PressStore, clock: HubClock = .system, metrics: HubMetrics = HubMetrics()
) -> Router<HubRequestContext> {
    let router = Router(context: HubRequestContext.self)
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.get("healthz") { _, _ in "ok" }
    // No feed here: on PostgreSQL the batch's transaction notifies every hub, this one included.
    IngestController(database: store, clock: clock, feed: nil, metrics: metrics)
        .addRoutes(to: router)
    return router
}

/// The routes of a hub on PostgreSQL: the device routes, the people's sign-in routes (login, logout,
/// password links, API tokens, the audit log) through `access`, and the managers' pages through the SQLite
/// hub's own controllers over `store`: the overview, a centre's page with its action, acknowledgement and
/// alert-rule forms, the heatmap API and exports (their audit lines through `access`'s store), and
/// `/metrics` to whom `metricsAccess` lets in, the public lobby screen and poster (a display token in the
/// path, `lobby`'s strings and font), and live updates (`/events`) from `feed`, which the hub's
/// `PressNotificationListener` fills with every hub's presses.
/// `access` must have read its form key (`loadFormKey`) before the sign-in forms are served.
func buildPostgresRouter(
    store: some PressStore & CentreCareStore & DisplayStore & HubFigureSource, access: Access,
    clock: HubClock = .system, settings: ReportSettings = ReportSettings(), lobby: LobbySettings = LobbySettings(),
    metrics: HubMetrics = HubMetrics(), metricsAccess: MetricsAccess = .loopbackOnly, feed: PressFeed = PressFeed()
) throws -> Router<HubRequestContext> {
    let router = buildDeviceRouter(store: store, clock: clock, metrics: metrics)
    MetricsController(metrics: metrics, source: store, clock: clock, access: metricsAccess).addRoutes(to: router)
    let templates = try Templates.library()
    // The lobby screen is public: a display token in its path, no session, no personal token.
    LobbyController(
        display: store, store: store, care: store, clock: clock, settings: settings, lobby: lobby,
        strings: try LobbyStrings.load(path: lobby.stringsPath), templates: templates
    ).addRoutes(to: router)
    let readers = Readers(store: store, clock: clock, settings: settings)
    let people = router.group().add(middleware: IdentifyMiddleware(access: access))
    LoginController(access: access, templates: templates).addRoutes(to: people)
    let pages = people.group().add(middleware: RequireIdentityMiddleware(anonymous: .redirectToLogin))
    DashboardController(readers: readers, feed: feed, templates: templates).addRoutes(to: pages)
    AlertController(readers: readers, clock: clock).addRoutes(to: pages)
    let account = AccountController(access: access, templates: templates)
    account.addRoutes(to: pages)
    let administrators = people.group()
        .add(middleware: RequireIdentityMiddleware(anonymous: .redirectToLogin, role: .administrator))
    account.addAdministratorRoutes(to: administrators)
    let api = people.group().add(middleware: RequireIdentityMiddleware(anonymous: .unauthorized))
    HeatmapController(readers: readers).addRoutes(to: api)
    ExportController(readers: readers, audit: access.store).addRoutes(to: api)
    return router
}

/// A hub on PostgreSQL: the pool (a `Service`) runs first, the schema is migrated and the sign-in forms'
/// key read before the server binds. The alert evaluation and, when a channel is configured, the alerts'
/// delivery run as on SQLite, each under a `PeriodicWorkLease` ("alert-evaluation", "alert-delivery"): every
/// hub on the database ticks, one at a time does the work; so do the weekly reports when an SMTP server is
/// configured ("weekly-reports").
/// Every hub runs a `PressNotificationListener` (reconnecting on `listenerSchedule`) that feeds its live pages.
/// `alertWake` runs an alert evaluation at once in this process (if it holds the lease); `periodicWork: false`
/// leaves the periodic services out (tests comparing pages with an SQLite hub's routes alone).
public func buildPostgresApplication(
    configuration: HubConfiguration, location: PostgresLocation, password: String?, logger: Logger,
    clock: HubClock = .system, access: AccessSettings = AccessSettings(), alertWake: WakeSignal = WakeSignal(),
    periodicWork: Bool = true, listenerSchedule: ListenerReconnectSchedule = ListenerReconnectSchedule(),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    var clientConfiguration = location.clientConfiguration(password: password)
    clientConfiguration.options.maximumConnections = 16
    let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
    let store = PostgresPressStore(client: client, logger: logger)
    let metrics = HubMetrics()
    let feed = PressFeed()
    let (server, secure) = try httpServer(configuration: configuration, metrics: metrics)
    var settings = access
    if secure { settings.secureCookies = true }
    let gate = try Access(store: store, clock: clock, settings: settings)
    var app = Application(
        router: try buildPostgresRouter(
            store: store, access: gate, clock: clock,
            settings: ReportSettings(minimumCount: configuration.minimumCellCount), lobby: configuration.lobby,
            metrics: metrics, metricsAccess: configuration.metricsAccess, feed: feed),
        server: server,
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "smiley-hub",
            availableConnectionsDelegate: MaximumAvailableConnections(
                configuration.connections.maximumConnections, logger: logger)),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
    app.addServices(client)
    let delivery = configuration.delivery ?? DeliveryConfiguration()
    let deliveryWake = WakeSignal()
    let leaseConnection = try location.connectionConfiguration(password: password)
    // Live pages: every hub's committed presses, heard on a connection of the listener's own.
    app.addServices(
        feed,
        PressNotificationListener(
            configuration: leaseConnection, feed: feed, clock: clock, schedule: listenerSchedule, logger: logger))
    let liveness = configuration.leaseLiveness
    do { try liveness.validate() } catch { throw HubError.invalid(error.description) }
    // The periodic services start once the schema is migrated.
    let migrated = StartGate()
    if periodicWork {
        app.addServices(
            AfterStart(
                gate: migrated,
                service: AlertService(
                    evaluator: AlertEvaluator(store: store, channels: delivery.channels), clock: clock,
                    interval: configuration.alertInterval, logger: logger, wake: alertWake, delivery: deliveryWake,
                    lease: PeriodicWorkLease(
                        name: "alert-evaluation", configuration: leaseConnection, clock: clock, liveness: liveness,
                        logger: logger))))
    }
    if periodicWork && !delivery.channels.isEmpty {
        app.addServices(
            AfterStart(
                gate: migrated,
                service: DeliveryService(
                    deliverer: AlertDeliverer(store: store, configuration: delivery, logger: logger), clock: clock,
                    signal: deliveryWake, logger: logger,
                    lease: PeriodicWorkLease(
                        name: "alert-delivery", configuration: leaseConnection, clock: clock, liveness: liveness,
                        logger: logger))))
    }
    if periodicWork,
        let sender = WeeklyReportSender(
            store: store, configuration: delivery,
            settings: ReportSettings(minimumCount: configuration.minimumCellCount), logger: logger)
    {
        app.addServices(
            AfterStart(
                gate: migrated,
                service: WeeklyReportService(
                    sender: sender, clock: clock, logger: logger,
                    lease: PeriodicWorkLease(
                        name: "weekly-reports", configuration: leaseConnection, clock: clock, liveness: liveness,
                        logger: logger))))
    } else if periodicWork {
        logger.notice("weekly reports are not mailed: no SMTP server is configured (smiley-hub serve --smtp-host)")
    }
    app.beforeServerStarts {
        do {
            try await store.migrate()
            try await gate.loadFormKey()
            migrated.open()
        } catch {
            logger.critical("cannot migrate the PostgreSQL database \(location): \(error)")
            throw error
        }
    }
    return app
}

/// Runs a hub on PostgreSQL until SIGTERM or SIGINT; the log says at start what it does not serve.
public func runPostgresHub(
    configuration: HubConfiguration, location: PostgresLocation, password: String?, logger: Logger
) async throws {
    let scheme = configuration.tlsCertificatePath == nil ? "http" : "https"
    logger.notice(
        "storage: PostgreSQL \(location); serving ingest, heartbeat, device status, enrollment, signing in (accounts, API tokens, the audit log), the overview page, the centre pages (actions, alerts, alert rules, deliveries), live updates (/events: every hub's presses, heard on channel '\(PressNotice.channel)'), the heatmap API, exports, the lobby screen and its poster, and /metrics. Alert evaluation, alert delivery and weekly reports run in one hub of the database at a time (leases 'alert-evaluation', 'alert-delivery', 'weekly-reports')"
    )
    let app = try buildPostgresApplication(
        configuration: configuration, location: location, password: password, logger: logger
    ) { port in
        logger.notice("listening on \(scheme)://\(configuration.host):\(port)/")
    }
    try await app.runService()
}
