import Hummingbird
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
    @Sendable func heatmap(_ request: Request, context: Context) async throws -> JSONResponse<HeatmapResponse> {
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
        return JSONResponse(
            value: try await reader.heatmap(centre: centre, question: question, window: window, device: device))
    }
}
