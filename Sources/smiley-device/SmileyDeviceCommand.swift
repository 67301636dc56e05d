import ArgumentParser
import Foundation
import Logging
import SmileyCore
import SmileyDevice

struct SmileyDeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smiley-device",
        abstract: "Smiley appliance firmware: reads the buttons, stores every press, forwards them to the hub.",
        discussion: "Example: smiley-device run --config /etc/smiley/device.json",
        version: SmileyVersion.current,
        subcommands: [Run.self, Replay.self])

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

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print, as JSON lines, the presses a recorded edge trace would give.",
            discussion: """
                The trace has one edge a line: MONOTONIC_NANOS LINE_NAME LEVEL (1 pressed, 0 released);                 '#' starts a comment. Example: smiley-device replay bounce.trace --config /etc/smiley/device.json
                """)

        @Argument(help: "Trace file, or - for standard input.") var trace: String
        @Option(help: "Device configuration whose buttons and debounce settings to use (default: the default pin map).")
        var config: String?

        func run() async throws {
            var replay = TraceReplay()
            if let config {
                do {
                    let configuration = try DeviceConfiguration.load(path: config)
                    replay = TraceReplay(buttons: configuration.buttons, debounce: configuration.debounce)
                } catch { throw ValidationError(error.description) }
            }
            let text: String
            if trace == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let data = FileManager.default.contents(atPath: trace) else {
                    throw ValidationError("cannot read trace file \(trace)")
                }
                text = String(decoding: data, as: UTF8.self)
            }
            do {
                print(try TraceReplay.jsonLines(try replay.run(traceText: text)), terminator: "")
            } catch let error as EdgeTrace.ParseError {
                throw ValidationError(error.description)
            }
        }
    }
}
