import Hummingbird
import Logging
import SmileyCore

/// Where the hub listens and keeps its data.
public struct HubConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var stateDirectory: String

    public init(host: String = "127.0.0.1", port: Int = 8080, stateDirectory: String) {
        self.host = host
        self.port = port
        self.stateDirectory = stateDirectory
    }

    public var databasePath: String { stateDirectory + "/hub.sqlite" }
}

/// The hub's routes: ingest for devices, heatmaps for managers and scripts, the dashboard page.
public func buildRouter(database: HubDatabase) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.get("healthz") { _, _ in "ok" }
    IngestController(database: database).addRoutes(to: router)
    HeatmapController(database: database).addRoutes(to: router)
    DashboardController(database: database).addRoutes(to: router)
    return router
}

/// The hub as a runnable service; `onServerRunning` receives the bound port (useful with port 0).
public func buildApplication(
    configuration: HubConfiguration, database: HubDatabase, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(database: database),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "smiley-hub"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// Runs the hub until SIGTERM or SIGINT.
public func runHub(configuration: HubConfiguration, database: HubDatabase, logger: Logger) async throws {
    let app = buildApplication(configuration: configuration, database: database, logger: logger) { port in
        logger.notice("listening on http://\(configuration.host):\(port)/")
    }
    try await app.runService()
}
