import Hummingbird
import NIOCore
import SmileyCore

/// `GET /api/v1/centres/{centre}/export` and `GET /api/v1/export` (every centre the reader may see):
/// the window's rollup as CSV (one row per centre, device, local date-hour, question, answer) or JSON.
struct ExportController: Sendable {
    typealias Context = HubRequestContext
    let readers: Readers
    /// Where the audit line of each export is written.
    let audit: any PeopleStore

    struct CentreWindow: Codable, Sendable {
        let centre: CentreID
        let timeZone: String
        let window: DateWindow
    }

    struct Export: Codable, Sendable {
        let centres: [CentreWindow]
        let rows: [ExportRow]
    }

    enum Format: String, CaseIterable {
        case csv, json
    }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get("api/v1/centres/{centre}/export", use: centre)
        router.get("api/v1/export", use: all)
    }

    @Sendable func centre(_ request: Request, context: Context) async throws -> Response {
        let reader = readers.reader(for: context)
        let centre = try await reader.centre(context.parameters.get("centre") ?? "")
        return try await export([centre], reader: reader, request: request, context: context, name: centre.id.rawValue)
    }

    @Sendable func all(_ request: Request, context: Context) async throws -> Response {
        let reader = readers.reader(for: context)
        return try await export(
            try await reader.centres(), reader: reader, request: request, context: context, name: "all-centres")
    }

    /// Writes the export (after an audit line naming who took which window of which centres).
    func export(_ centres: [Centre], reader: CentreReader, request: Request, context: Context, name: String)
        async throws
        -> Response
    {
        guard let identity = context.identity, identity.role.mayExport else {
            throw HTTPError(.forbidden, message: "viewers cannot download exports; ask for the manager role")
        }
        let formatText = request.uri.queryParameters.get("format") ?? "csv"
        guard let format = Format(rawValue: formatText) else {
            throw HTTPError(.badRequest, message: "unknown format '\(formatText)' (expected csv or json)")
        }
        let choice = try DashboardController.choice(request)
        var windows: [CentreWindow] = []
        var rows: [ExportRow] = []
        for centre in centres {
            let window = choice.window(today: reader.today(at: centre))
            windows.append(CentreWindow(centre: centre.id, timeZone: centre.timeZone, window: window))
            rows += try await reader.exportRows([centre], window: window)
        }
        let span = windows.first.map { "\($0.window.from)-to-\($0.window.to)" } ?? "empty"
        try await audit.audit(
            actor: identity.name, action: "export",
            detail: "\(format.rawValue) of \(windows.first.map { $0.window.description } ?? "no window"), centres: "
                + (centres.isEmpty ? "none" : centres.map(\.id.rawValue).joined(separator: ", ")),
            address: context.remoteAddress, nowMillis: reader.nowMillis())
        let filename = "smiley-\(name)-\(span).\(format.rawValue)"
        switch format {
        case .csv:
            var text = "centre,device,local_hour,question,answer,count\n"
            for row in rows {
                text += "\(row.centre),\(row.device),\(row.localHour),\(row.question),\(row.answer),\(row.count)\n"
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"\(filename)\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        case .json:
            var response = try JSONResponse(value: Export(centres: windows, rows: rows)).response(
                from: request, context: context)
            response.headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
            return response
        }
    }
}
