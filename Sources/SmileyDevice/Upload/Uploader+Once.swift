import AsyncHTTPClient
import Logging

extension Uploader {
    /// Uploads the whole backlog once with a client of its own (for `smileyctl sync`).
    public static func drainOnce(
        configuration: DeviceConfiguration, logger: Logger, progress: (Int) -> Void = { _ in }
    ) async throws -> Int {
        let client = try configuration.makeHubClient()
        let uploader = Uploader(
            store: try DeviceStore(path: configuration.storePath), device: configuration.device,
            centre: configuration.centre, hub: try configuration.hubURL, settings: configuration.upload,
            client: client, clock: SystemClock(), token: try configuration.loadToken(), signal: UploadSignal(),
            logger: logger)
        do {
            let sent = try await uploader.drain(progress: progress)
            try await client.shutdown()
            return sent
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
