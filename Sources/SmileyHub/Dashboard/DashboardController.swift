import Hummingbird
import Mustache
import NIOCore
import ServiceLifecycle
import SmileyCore

/// The managers' pages: `/` (every centre), `/centres/{centre}` (one centre), and `/events` (live updates).
/// Every figure comes through `CentreReader`.
struct DashboardController: Sendable {
    typealias Context = HubRequestContext
    let readers: Readers
    let feed: PressFeed
    let templates: MustacheLibrary

    /// How often an open event stream sends a comment, so a closed browser is noticed.
    static var keepAlive: Duration { .seconds(15) }

    func addRoutes(to router: some RouterMethods<Context>) {
        addPages(to: router)
        router.get("events", use: events)
    }

    /// The pages, without the stream of live updates (`/events`).
    func addPages(to router: some RouterMethods<Context>) {
        router.get("/", use: overview)
        router.get("centres/{centre}", use: centre)
        router.post("centres/{centre}/actions", use: addAction)
        router.post("centres/{centre}/actions/{id}/remove", use: removeAction)
    }

    @Sendable func overview(_ request: Request, context: Context) async throws -> Response {
        let reader = readers.reader(for: context)
        let query = request.uri.queryParameters
        let choice = try Self.choice(request)
        guard let sort = OverviewPage.Sort(rawValue: query.get("sort") ?? "rank") else {
            let valid = OverviewPage.Sort.allCases.map(\.rawValue).joined(separator: ", ")
            throw HTTPError(
                .badRequest, message: "unknown sort '\(query.get("sort") ?? "")' (expected one of: \(valid))")
        }
        let centres = try await reader.centres().map { centre in
            (centre: centre, window: choice.window(today: reader.today(at: centre)))
        }
        let live = centres.contains { $0.window.contains(reader.today(at: $0.centre)) }
        let displayWindow = centres.first?.window
        let entries = zip(centres, try await reader.totals(centres)).map { request, totals in
            OverviewPage.Entry(
                centre: request.centre, window: request.window, satisfaction: totals.satisfaction,
                accessibility: totals.accessibility)
        }
        let window = displayWindow ?? choice.window(today: reader.today(inZone: "UTC"))
        var page = OverviewPage(entries: entries, choice: choice, displayWindow: window, sort: sort, live: live)
        page.account = AccountBar(context.identity)
        page.mayExport = context.identity?.role.mayExport ?? false
        return try html(page, template: "overview")
    }

    @Sendable func centre(_ request: Request, context: Context) async throws -> Response {
        let reader = readers.reader(for: context)
        let centre = try await reader.centre(context.parameters.get("centre") ?? "")
        let choice = try Self.choice(request)
        let window = choice.window(today: reader.today(at: centre))
        let read = try await reader.windowReports(centre: centre, questions: Question.allCases, window: window)
        var page = CentrePage(
            centre: centre, choice: choice, window: window, reports: read.reports,
            calendar: read.calendar, devices: try await reader.deviceHealth(of: centre, calendar: read.calendar),
            uncertain: read.uncertain, today: reader.today(at: centre),
            nowMillis: reader.nowMillis(), actions: try await reader.actionReviews(of: centre))
        if let identity = context.identity, identity.role.mayRecordActions, let csrf = identity.csrf {
            page.actionForm = CentrePage.ActionForm(
                formCSRF: csrf, formToday: reader.today(at: centre).description,
                formAction: "/centres/\(centre.id)/actions")
        }
        let alerts = try await reader.alerts(of: centre)
        let deliveries = try await reader.deliveries(of: alerts)
        let manager = AlertController.mayManageAlerts(context.identity)
        page.setAlerts(
            alerts, deliveries: deliveries, nowMillis: reader.nowMillis(), csrf: manager ? context.identity?.csrf : nil,
            rules: manager ? try await reader.alertRules(of: centre) : nil)
        page.account = AccountBar(context.identity)
        page.mayExport = context.identity?.role.mayExport ?? false
        return try html(page, template: "centre")
    }

    /// Server-sent events: `event: press` with the centre's id as data, for the centres the reader may see.
    @Sendable func events(_ request: Request, context: Context) async throws -> Response {
        guard let stream = await feed.subscribe() else {
            throw HTTPError(.serviceUnavailable, message: "too many live pages are open; reload later")
        }
        let visible = Set(try await readers.reader(for: context).centres().map(\.id))
        let keepAlive = Self.keepAlive
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 3000\n: connected\n\n"))
                // Presses and keep-alive comments merge into one stream that this task alone writes.
                let (events, sink) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(64))
                // A stream never ends by itself: when the hub is asked to stop, it ends here, so the server's
                // graceful shutdown (which waits for open responses) is not held up by open pages; the browser
                // reconnects after `retry`, to this hub once it is back or to another behind the same address.
                try await withGracefulShutdownHandler {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await centre in stream where visible.contains(centre) {
                                sink.yield("event: press\ndata: \(centre.rawValue)\n\n")
                            }
                            sink.finish()
                        }
                        group.addTask {
                            while !Task.isCancelled {
                                try await Task.sleep(for: keepAlive)
                                sink.yield(": keep-alive\n\n")
                            }
                        }
                        for await event in events {
                            try await writer.write(ByteBuffer(string: event))
                        }
                        group.cancelAll()
                    }
                } onGracefulShutdown: {
                    sink.finish()
                }
                try await writer.finish(nil)
            })
    }

    func html(_ page: Any, template: String) throws -> Response {
        guard let text = templates.render(page, withTemplate: template) else {
            throw HTTPError(.internalServerError, message: "the page could not be drawn")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The window a request asks for (`window=…` or `from=…&to=…`), last 4 weeks when it names none.
    static func choice(_ request: Request) throws -> WindowChoice {
        let query = request.uri.queryParameters
        do {
            return try WindowChoice.parse(
                window: query.get("window"), from: query.get("from"), to: query.get("to"), fallback: .last4Weeks)
        } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
    }
}
