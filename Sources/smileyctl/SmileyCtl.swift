import ArgumentParser
import Foundation
import Logging
import SmileyCore
import SmileyDevice

@main
struct SmileyCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smileyctl",
        abstract: "Technician's tool for a Smiley device.",
        subcommands: [Status.self, Sync.self])
}

struct ConfigOption: ParsableArguments {
    @Option(help: "Device configuration file.") var config = "/etc/smiley/device.json"

    func load() throws -> DeviceConfiguration {
        do { return try DeviceConfiguration.load(path: config) } catch { throw ValidationError(error.description) }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the device's identity and backlog.", discussion: "Example: smileyctl status --json")

    @OptionGroup var options: ConfigOption
    @Flag(help: "Print JSON for scripts.") var json = false

    func run() async throws {
        let configuration = try options.load()
        let summary = try DeviceStore(path: configuration.storePath).summary()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            struct Report: Encodable {
                var device: String, centre: String, hub: String
                var store: StoreSummary
            }
            let report = Report(
                device: configuration.device.rawValue, centre: configuration.centre.rawValue, hub: configuration.hub,
                store: summary)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("device   \(configuration.device)")
            print("centre   \(configuration.centre)")
            print("hub      \(configuration.hub)")
            print("presses  \(summary.total) stored, \(summary.backlog) not yet at the hub")
        }
    }
}

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload every stored press the hub does not hold yet, now.", discussion: "Example: smileyctl sync")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let configuration = try options.load()
        let sent = try await Uploader.drainOnce(configuration: configuration, logger: Logger(label: "smileyctl"))
        print("uploaded \(sent) presses")
    }
}
