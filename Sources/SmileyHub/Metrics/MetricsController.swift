import Hummingbird
import NIOCore

/// `GET /metrics`: the hub's figures in Prometheus text format, to whom `access` lets in.
struct MetricsController: Sendable {
    let metrics: HubMetrics
    /// The hub's storage: SQLite or PostgreSQL.
    let source: any HubFigureSource
    let clock: HubClock
    let access: MetricsAccess

    func addRoutes(to router: Router<HubRequestContext>) {
        router.get("metrics", use: scrape)
    }

    @Sendable func scrape(_ request: Request, context: HubRequestContext) async throws -> Response {
        let forwarded = request.headers.contains { ["forwarded", "x-forwarded-for"].contains($0.name.canonicalName) }
        switch access.decide(
            remoteAddress: context.remoteAddress, authorization: request.headers[.authorization], forwarded: forwarded)
        {
        case .allow:
            break
        case .refuse(let status, let message):
            var headers: HTTPFields = [.cacheControl: "no-store"]
            if status == 401 { headers[.wwwAuthenticate] = "Bearer" }
            throw HTTPError(.init(code: status), headers: headers, message: message)
        }
        let figures: HubFigures
        do { figures = try await source.figures(nowMillis: clock.nowMillis()) } catch let error as HubError {
            throw error.httpError
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.exposition(figures))))
    }
}
