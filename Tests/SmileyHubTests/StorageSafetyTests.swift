import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmileyCore
import SmileyHub
import Testing

/// The hub's files are its own, and what goes wrong inside its storage stays in its log.
@Suite struct StorageSafetyTests {
    @Test func storageErrorTextNeverReachesTheClient() async throws {
        let queue = try DatabaseQueue()
        let database = try HubDatabase(writer: queue)
        try database.addCentre(Centre(id: IngestTests.centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        let token = try database.addDevice(IngestTests.device, centre: IngestTests.centre, nowMillis: 0).value
        try await queue.write { db in try db.execute(sql: "DROP TABLE hourly_rollup") }
        let app = Application(router: try buildRouter(database: database))
        let headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(token)"]
        let body = HostileInputTests.batchJSON([HostileInputTests.pressJSON(wall: "\(HostileInputTests.now)")])
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/api/v1/ingest", method: .post, headers: headers, body: ByteBuffer(string: body)
            ) {
                response in
                let text = String(buffer: response.body)
                #expect(response.status == .internalServerError)
                for leak in ["hourly_rollup", "SQLite", "no such table", "INSERT"] {
                    #expect(!text.contains(leak), "\(text)")
                }
                #expect(text.contains("error "), "\(text)")
            }
        }
        #expect(try database.pressCount() == 0)
    }

    static func mode(_ path: String) throws -> Int {
        try #require((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test func theStateDirectoryAndDatabaseFilesAreTheHubsAlone() throws {
        let parent = NSTemporaryDirectory() + "smiley-modes-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let state = parent + "/state"
        let path = state + "/hub.sqlite"
        do {
            let database = try HubDatabase(path: path)
            try database.addCentre(Centre(id: IngestTests.centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            #expect(FileManager.default.fileExists(atPath: path + "-shm"))
            #expect(try Self.mode(state) == 0o700)
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(try Self.mode(file) == 0o600, "\(file)")
            }
        }
        // A database an older hub left readable by everyone is tightened when opened.
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        }
        let reopened = try HubDatabase(path: path)
        _ = try reopened.centres()
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect(try Self.mode(file) == 0o600, "\(file)")
        }
    }
}
