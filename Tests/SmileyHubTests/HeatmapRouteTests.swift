import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmileyCore
import SmileyHub
import Testing

@Suite struct HeatmapRouteTests {
    func makeDatabase() throws -> HubDatabase {
        let database = try HubDatabase(writer: DatabaseQueue())
        try database.addCentre(Centre(id: IngestTests.centre, name: "Paro <DCRC>", timeZone: "Asia/Thimphu"))
        _ = try database.addDevice(IngestTests.device, centre: IngestTests.centre, nowMillis: 0)
        _ = try database.ingest(
            IngestBatch(
                device: IngestTests.device, centre: IngestTests.centre,
                presses: [IngestTests.press(1, .veryHappy), IngestTests.press(2, .hard)]),
            receivedMillis: 1_793_600_000_000)
        return database
    }

    func get(_ database: HubDatabase, _ uri: String) async throws -> (HTTPResponse.Status, String) {
        let app = Application(router: buildRouter(database: database))
        return try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in (response.status, String(buffer: response.body)) }
        }
    }

    @Test func theHeatmapOfACentreIsJSONCells() async throws {
        let (status, text) = try await get(try makeDatabase(), "/api/v1/centres/paro-dcrc/heatmap?question=accessibility")
        #expect(status == .ok)
        let heatmap = try JSONDecoder().decode(HeatmapResponse.self, from: Data(text.utf8))
        #expect(heatmap.question == .accessibility)
        #expect(heatmap.timeZone == "Asia/Thimphu")
        #expect(heatmap.cells == [HeatmapCell(weekday: 1, hour: 10, count: 1, index: 0)])
    }

    @Test func anUnknownQuestionOrCentreIsNamed() async throws {
        let database = try makeDatabase()
        let (status, text) = try await get(database, "/api/v1/centres/paro-dcrc/heatmap?question=mood")
        #expect(status == .badRequest)
        #expect(text.contains("unknown question 'mood'"))
        let (missing, missingText) = try await get(database, "/api/v1/centres/haa/heatmap?question=satisfaction")
        #expect(missing == .notFound)
        #expect(missingText.contains("unknown centre 'haa'"))
    }

    @Test func theDashboardDrawsEachCentreAsInlineSVGWithEscapedNames() async throws {
        let (status, html) = try await get(try makeDatabase(), "/")
        #expect(status == .ok)
        #expect(html.contains("Paro &lt;DCRC&gt;"))
        #expect(!html.contains("Paro <DCRC>"))
        #expect(html.contains("<svg"))
        #expect(html.contains(#"data-weekday="1" data-hour="10" data-count="1" data-index="100""#))
        #expect(!html.contains("<script"))
    }
}
