import Hummingbird
import SmileyCore

/// Read side for managers and scripts: centres and their hour x weekday heatmaps.
struct HeatmapController<Context: RequestContext>: Sendable {
    let database: HubDatabase

    func addRoutes(to router: Router<Context>) {
        router.get("api/v1/centres", use: centres)
        router.get("api/v1/centres/{centre}/heatmap", use: heatmap)
    }

    @Sendable func centres(_ request: Request, context: Context) async throws -> JSONResponse<[Centre]> {
        JSONResponse(value: try database.centres())
    }

    @Sendable func heatmap(_ request: Request, context: Context) async throws -> JSONResponse<HeatmapResponse> {
        let centreText = context.parameters.get("centre") ?? ""
        guard let centreID = CentreID(rawValue: centreText), let centre = try database.centre(centreID) else {
            throw HTTPError(.notFound, message: "unknown centre '\(centreText)'")
        }
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
        let heatmap = try database.heatmap(centre: centre.id, question: question, device: device)
        return JSONResponse(
            value: HeatmapResponse(
                centre: centre.id, question: question, timeZone: centre.timeZone, cells: heatmap.cells,
                timeUncertainPresses: try database.uncertainCount(centre: centre.id)))
    }
}
