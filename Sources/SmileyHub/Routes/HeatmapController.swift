import Hummingbird
import NIOCore
import SmileyCore

/// Read side for managers and scripts: centres and their hour x weekday heatmaps in a window.
struct HeatmapController: Sendable {
    typealias Context = HubRequestContext
    let readers: Readers

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get("api/v1/centres", use: centres)
        router.get("api/v1/centres/{centre}/heatmap", use: heatmap)
    }

    @Sendable func centres(_ request: Request, context: Context) async throws -> JSONResponse<[Centre]> {
        JSONResponse(value: try await readers.reader(for: context).centres())
    }

    /// `?question=…&from=YYYY-MM-DD&to=YYYY-MM-DD` (or `window=…`); the last 28 days when no window is named.
    @Sendable func heatmap(_ request: Request, context: Context) async throws -> HeatmapJSON {
        let reader = readers.reader(for: context)
        let centre = try await reader.centre(context.parameters.get("centre") ?? "")
        let question: Question
        do {
            question = try Question.parse(request.uri.queryParameters.get("question") ?? Question.satisfaction.rawValue)
        } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
        var device: DeviceID?
        if let deviceText = request.uri.queryParameters.get("device") {
            do { device = try DeviceID.parse(deviceText) } catch {
                throw HTTPError(.badRequest, message: error.description)
            }
        }
        let window = try DashboardController.choice(request).window(today: reader.today(at: centre))
        return HeatmapJSON(
            value: try await reader.heatmap(centre: centre, question: question, window: window, device: device))
    }
}

/// The heatmap's JSON body: the bytes `JSONResponse` would send (sorted keys, slashes unescaped), written by
/// `HeatmapResponse.jsonBytes()` instead of `JSONEncoder`, which cost as much as reading the heatmap.
struct HeatmapJSON: ResponseGenerator {
    var value: HeatmapResponse

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let bytes: [UInt8]
        do { bytes = try value.jsonBytes() } catch {
            throw HTTPError(.internalServerError, message: "the heatmap could not be written as JSON: \(error)")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
