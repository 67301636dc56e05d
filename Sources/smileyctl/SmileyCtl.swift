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
        discussion: "Example: smileyctl status --config /etc/smiley/device.json",
        version: SmileyVersion.current,
        subcommands: [
            Provision.self, GPIOCommand.self, Buttons.self, Status.self, Sync.self, Export.self, SigningKeyCommand.self,
        ])
}

struct ConfigOption: ParsableArguments {
    @Option(help: "Device configuration file.") var config = "/etc/smiley/device.json"

    func load() throws -> DeviceConfiguration {
        do { return try DeviceConfiguration.load(path: config) } catch { throw ValidationError(error.description) }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the device's identity, hub, last sync, backlog, clock, health flags and free disk.",
        discussion: "Health flags are as of the daemon's last heartbeat. Example: smileyctl status --json")

    @OptionGroup var options: ConfigOption
    @Flag(help: "Print JSON for scripts.") var json = false

    struct Report: Encodable {
        var device: String
        var centre: String
        var hub: String
        var store: StoreSummary
        var clockSynchronised: Bool
        var freeDiskBytes: Int64
        /// The daemon's last heartbeat (health flags), when it has written one.
        var health: Heartbeat?
        /// Presses the hub refused by name, kept here and no longer sent, newest first.
        var setAside: [SetAsidePress]
    }

    func run() async throws {
        let configuration = try options.load()
        let store = try DeviceStore(path: configuration.storePath)
        let summary = try store.summary()
        let setAside = try store.setAsidePresses()
        let health = FileManager.default.contents(atPath: HeartbeatService.healthPath(configuration)).flatMap {
            try? JSONDecoder().decode(Heartbeat.self, from: $0)
        }
        let free =
            (try? FileManager.default.attributesOfFileSystem(forPath: configuration.stateDirectory))
            .flatMap { ($0[.systemFreeSize] as? NSNumber)?.int64Value } ?? -1
        let report = Report(
            device: configuration.device.rawValue, centre: configuration.centre.rawValue, hub: configuration.hub,
            store: summary, clockSynchronised: SystemClock().isSynchronised(), freeDiskBytes: free, health: health,
            setAside: setAside)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        func ago(_ millis: Int64?) -> String {
            guard let millis else { return "never" }
            let seconds = max(0, (now - millis) / 1000)
            return seconds < 120
                ? "\(seconds) s ago" : seconds < 7200 ? "\(seconds / 60) min ago" : "\(seconds / 3600) h ago"
        }
        print("device     \(configuration.device) (centre \(configuration.centre))")
        print("hub        \(configuration.hub)")
        print("last sync  \(ago(summary.lastUploadMillis))")
        print(
            "backlog    \(summary.backlog) presses\(summary.backlog > 0 ? ", oldest recorded \(ago(summary.oldestUnsentRecordedAtMillis))" : "")"
        )
        print("stored     \(summary.total) presses in all")
        if !setAside.isEmpty {
            print("set aside  \(setAside.count) presses the hub refused, kept here and no longer sent:")
            for press in setAside {
                print("  #\(press.sequence)  \(ago(press.atMillis))  hub answered \(press.status): \(press.message)")
            }
        }
        print(
            "clock      \(report.clockSynchronised ? "synchronised" : "NOT synchronised (presses are dated by the hub)")"
        )
        print("free disk  \(free / 1_048_576) MiB")
        if let health {
            var flags: [String] = []
            if !health.stuckLines.isEmpty { flags.append("stuck: \(health.stuckLines.joined(separator: " "))") }
            if health.lostGPIOEvents > 0 { flags.append("lost GPIO events: \(health.lostGPIOEvents)") }
            if let warning = health.storageWarning { flags.append(warning) }
            print(
                "health     \(flags.isEmpty ? "ok" : flags.joined(separator: "; ")) (daemon up \(health.uptimeSeconds) s)"
            )
        } else {
            print("health     unknown: the daemon has not written \(HeartbeatService.healthPath(configuration)) yet")
        }
    }
}

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload every stored press the hub does not hold yet, now.", discussion: "Example: smileyctl sync")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let configuration = try options.load()
        let total = try DeviceStore(path: configuration.storePath).summary().backlog
        let sent = try await Uploader.drainOnce(configuration: configuration, logger: Logger(label: "smileyctl")) {
            done in showProgress(done: done, total: total)
        }
        finishProgress()
        print("uploaded \(sent) presses")
        let setAside = try DeviceStore(path: configuration.storePath).summary().setAside
        if setAside > 0 {
            print("\(setAside) presses the hub refused are set aside on this device: smileyctl status lists them")
        }
    }
}

struct Provision: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Check the wiring, enrol this device at the hub with a one-time code, write its configuration and token, test.",
        discussion: """
            Get a code from the hub's administrator (smiley-hub enroll --centre ID). Nothing is written unless the \
            checks pass; run it again with --force to provision again.
            Example: smileyctl provision --hub https://hub.example:8080 --code ABCD-EFGH-JKLM --device thimphu-exit-2
            """)

    @Option(help: "The hub's base URL.") var hub: String
    @Option(help: "One-time enrollment code from the hub.") var code: String
    @Option(help: "This device's id: a-z, 0-9, '-' and '_'.") var device: String
    @Option(help: "Layout of buttons and LEDs (only 'default', see Hardware/README.md).") var layout = "default"
    @Option(help: "Where to write the device configuration.") var config = "/etc/smiley/device.json"
    @Option(help: "The daemon's state directory (store and token).") var stateDirectory = "/var/lib/smiley-device"
    @Option(help: "PEM CA that signed the hub's certificate, if not in the system trust store.") var hubCA: String?
    @Flag(help: "Simulated buttons: skip the GPIO checks (bench tests without a panel).") var simulated = false
    @Flag(help: "Provision again even if this device already is.") var force = false

    func run() async throws {
        guard layout == "default" else { throw ValidationError("unknown --layout '\(layout)' (known: default)") }
        let deviceID: DeviceID
        do { deviceID = try DeviceID.parse(device) } catch { throw ValidationError(error.description) }
        let request = Provisioner.Request(
            hub: hub, code: code, device: deviceID, configPath: config, stateDirectory: stateDirectory,
            hubCAFile: hubCA,
            simulated: simulated, force: force)
        let outcome: Provisioner.Outcome
        do {
            outcome = try await Provisioner().provision(request)
        } catch {
            print("provisioning failed: \(error)")
            if (error as? ProvisioningError)?.nothingWritten ?? true { print("nothing was written") }
            throw ExitCode.failure
        }
        switch outcome {
        case .alreadyProvisioned(let existing, let path):
            print("this device is already provisioned as \(existing) (\(path)); use --force to provision it again")
        case .provisioned(let test):
            print("provisioned \(deviceID): configuration \(config), token in \(stateDirectory)")
            for line in test.lines { print(line) }
            if !test.passed { throw ExitCode.failure }
        }
    }
}

struct GPIOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpio", abstract: "Look at this device's GPIO chips.", discussion: "Example: smileyctl gpio list",
        subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the GPIO chips and their lines (name, offset, in use and by whom), to check the wiring.",
            discussion: "Example: smileyctl gpio list")

        func run() async throws {
            let paths = GPIOChip.allPaths()
            if paths.isEmpty {
                print("no GPIO chips on this machine (is /dev/gpiochip* there, and readable by this user?)")
                throw ExitCode.failure
            }
            print("libgpiod \(GPIOLibrary.version)")
            for path in paths {
                do {
                    let chip = try GPIOChip(path)
                    print("\(chip.path)  \(chip.name)  [\(chip.label)]  \(chip.lineCount) lines")
                    for offset in 0..<chip.lineCount {
                        let info = try chip.info(offset: UInt32(offset))
                        let name = info.name.isEmpty ? "unnamed" : info.name
                        let direction = info.output ? "output" : "input"
                        let use = info.used ? "used by \(info.consumer.isEmpty ? "the kernel" : info.consumer)" : "free"
                        print(
                            "  \(String(offset).padding(toLength: 4, withPad: " ", startingAt: 0))\(name.padding(toLength: 14, withPad: " ", startingAt: 0))\(direction.padding(toLength: 8, withPad: " ", startingAt: 0))\(use)"
                        )
                    }
                } catch {
                    print("\(path): \(error)")
                }
            }
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the presses the hub does not hold yet to a signed file, for a hub reached by USB stick.",
        discussion: """
            The hub imports it with smiley-hub import FILE. Exported presses stay queued here: a later network \
            sync sends them again, and the hub counts each press once.
            Example: smileyctl export --out /media/usb/thimphu-exit-1.smiley
            """)

    @OptionGroup var options: ConfigOption
    @Option(help: "File to write.") var out: String

    func run() async throws {
        let configuration = try options.load()
        let count = try BacklogExport.export(configuration: configuration, to: out) { done, total in
            showProgress(done: done, total: total)
        }
        finishProgress()
        print("exported \(count) presses of \(configuration.device) to \(out)")
    }
}

struct SigningKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing-key",
        abstract: "Print this device's public signing key, making the key pair first if there is none.",
        discussion: """
            Provisioning makes the key; a device added by hand (smiley-hub device add) needs this once. Give the \
            printed key to the hub: smiley-hub device set-key DEVICE --public-key KEY.
            Example: smileyctl signing-key
            """)

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let configuration = try options.load()
        let path = configuration.signingKeyPath
        let key: DeviceSigningKey
        if FileManager.default.fileExists(atPath: path) {
            key = try DeviceSigningKey.load(path: path)
        } else {
            key = DeviceSigningKey.generate()
            try key.write(to: path)
            FileHandle.standardError.write(Data("made a new signing key at \(path)\n".utf8))
        }
        print(key.publicKeyBase64)
    }
}

/// A progress bar on standard error, redrawn in place on a terminal.
func showProgress(done: Int, total: Int) {
    let line = ProgressBar.render(done: done, total: total)
    FileHandle.standardError.write(Data(((isatty(2) != 0) ? "\r" + line : line + "\n").utf8))
}

func finishProgress() {
    if isatty(2) != 0 { FileHandle.standardError.write(Data("\n".utf8)) }
}

struct Buttons: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look at the buttons themselves.",
        discussion: "Example: smileyctl buttons test", subcommands: [Test.self, Record.self])

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Live view: press each button and see which answer of which panel registered.",
            discussion: """
                With smiley-device running, it talks to the daemon over its control socket: while the test runs, \
                presses are test presses (the LED still blinks), kept apart and never sent to the hub. With the \
                daemon stopped, it reads the lines itself.
                Example: smileyctl buttons test --seconds 120
                """)

        @OptionGroup var options: ConfigOption
        @Option(help: "How long to watch.") var seconds: Double = 60

        func run() async throws {
            let configuration = try options.load()
            if let connection = ButtonTest.connect(path: configuration.controlSocketPath, seconds: seconds) {
                print(
                    "connected to smiley-device: presses are test presses for \(Int(seconds)) s at most "
                        + "(the daemon ends a test after control.buttonsTestSeconds)")
                fflush(nil)
                ButtonTest.follow(connection, seconds: seconds) { event in
                    print(ButtonTest.describe(event))
                    fflush(nil)
                }
            } else {
                print("smiley-device is not running: reading the lines directly for \(Int(seconds)) s")
                fflush(nil)
                try await ButtonTest.direct(
                    configuration: configuration, seconds: seconds, logger: Logger(label: "smileyctl")
                ) {
                    event in
                    print(ButtonTest.describe(event))
                    fflush(nil)
                }
            }
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the buttons' raw edges (no debouncing) as a trace for smiley-device replay.",
            discussion: """
                The lines must be free: stop the daemon first (systemctl stop smiley-device).
                Example: smileyctl buttons record --seconds 20 --out bounce.trace && smiley-device replay bounce.trace
                """)

        @OptionGroup var options: ConfigOption
        @Option(help: "How long to record.") var seconds: Double = 10
        @Option(help: "Trace file to write.") var out: String

        func run() async throws {
            guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be between 0 and 3600") }
            let configuration = try options.load()
            let trace: EdgeTrace
            do {
                trace = try EdgeRecorder.record(buttons: configuration.buttons, seconds: seconds) {
                    print("recording the buttons for \(seconds) s: press away")
                    fflush(nil)
                }
            } catch let error as GPIOError where error.errno == EBUSY {
                throw ValidationError("\(error): stop the daemon first (systemctl stop smiley-device)")
            }
            let text =
                "# smileyctl buttons record: MONOTONIC_NANOS LINE LEVEL (1 pressed)\n"
                + trace.text(lineNames: configuration.buttons.map(\.line))
            guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else {
                throw ValidationError("cannot write \(out)")
            }
            print("\(trace.edges.count) edges written to \(out)")
        }
    }
}
