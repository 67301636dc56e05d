import ArgumentParser
import Logging
import SmileyDevice

@main
struct SmileyDeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smiley-device",
        abstract: "Smiley appliance firmware: reads the buttons, stores every press, forwards them to the hub.",
        subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the device from a configuration file.",
            discussion: "Example: smiley-device run --config /etc/smiley/device.json")

        @Option(help: "Device configuration (JSON, see docs/device-config.md).") var config: String
        @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"

        func run() async throws {
            guard let level = Logger.Level(rawValue: logLevel) else {
                throw ValidationError("unknown --log-level '\(logLevel)'")
            }
            let configuration: DeviceConfiguration
            do { configuration = try DeviceConfiguration.load(path: config) } catch {
                throw ValidationError(error.description)
            }
            var logger = Logger(label: "smiley-device")
            logger.logLevel = level
            logger[metadataKey: "device"] = "\(configuration.device)"
            try await DeviceApplication(configuration: configuration, logger: logger).run()
        }
    }
}
