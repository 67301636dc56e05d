import ArgumentParser
import Foundation
import Logging
import SmileyCore
import SmileyHub

@main
struct SmileyHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smiley-hub",
        abstract: "Receives presses from Smiley devices and serves hourly heatmaps to centre managers.",
        discussion: "Example: smiley-hub serve --state-directory /var/lib/smiley-hub",
        version: SmileyVersion.current,
        subcommands: [
            Serve.self, CentreCommand.self, GroupCommand.self, DeviceCommand.self, Enroll.self, Import.self,
            UserCommand.self, TokenCommand.self, AuditCommand.self, ActionCommand.self, ReportCommand.self,
            DisplayCommand.self, AlertCommand.self, Backup.self, Migrate.self,
        ],
        defaultSubcommand: Serve.self)
}

struct StateOptions: ParsableArguments {
    @Option(name: .long, help: "Directory holding hub.sqlite.")
    var stateDirectory: String = "/var/lib/smiley-hub"

    func open() throws -> HubDatabase {
        try HubDatabase(path: HubConfiguration(stateDirectory: stateDirectory).databasePath)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the hub: ingest API, heatmap API and dashboard.",
        discussion: "Example: smiley-hub serve --state-directory /var/lib/smiley-hub --port 8080")

    @OptionGroup var state: StateOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Option(help: "PEM certificate chain: serve HTTPS (with --tls-key).") var tlsCertificate: String?
    @Option(help: "PEM private key of the certificate.") var tlsKey: String?
    @Option(help: "Fewest presses for a heatmap cell or a day to show its index (fewer show only the count).")
    var minimumCount = 5
    @Option(help: "Connections open at once; more wait until one closes.") var maximumConnections = 512
    @Option(help: "Seconds before closing a connection with no request in progress.") var idleTimeout = 30
    @Option(help: "Seconds a request may take to arrive, from its head to its last byte.") var requestTimeout = 60
    @Option(help: "TrueType font for the lobby screen's Dzongkha (Debian: fonts-ddc-uchen).")
    var lobbyFont = LobbySettings.defaultFontPath
    @Option(
        help:
            "The lobby screen's Dzongkha strings (dz.json); default: beside the executable, then /usr/share/smiley-hub."
    )
    var lobbyStrings: String?
    @Option(help: "Seconds between the lobby screen's reloads.") var lobbyRefresh = 300
    @Option(help: "Seconds between evaluations of the alert rules.") var alertInterval = 60
    @OptionGroup(title: "Alert delivery") var delivery: DeliveryOptions
    @Option(
        help: ArgumentHelp(
            "File holding a token (first line, 16 characters or more) that /metrics then asks for from any address.",
            discussion: "Without it, /metrics answers only clients on the hub's own machine (loopback)."))
    var metricsTokenFile: String?
    @Option(
        help: ArgumentHelp(
            "Keep presses in PostgreSQL instead of the state directory's SQLite file: postgres://USER@HOST[:PORT]/DATABASE or postgres://USER@/DATABASE?host=/SOCKET/DIRECTORY.",
            discussion:
                "Live updates and reports are not served from PostgreSQL yet; alert evaluation, alert delivery and weekly report mail run in one hub of the database at a time (docs/postgresql.md). The password comes from --database-password-file or PGPASSWORD, never from the URL."
        ))
    var database: String?
    @Option(help: "File whose first line is the PostgreSQL password (with --database).")
    var databasePasswordFile: String?

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown --log-level '\(logLevel)'")
        }
        var logger = Logger(label: "smiley-hub")
        logger.logLevel = level
        guard maximumConnections >= 1, (1...3600).contains(idleTimeout), (1...3600).contains(requestTimeout) else {
            throw ValidationError(
                "--maximum-connections must be 1 or more; --idle-timeout and --request-timeout 1 to 3600 seconds")
        }
        var configuration = HubConfiguration(
            host: host, port: port, stateDirectory: state.stateDirectory, tlsCertificatePath: tlsCertificate,
            tlsKeyPath: tlsKey,
            connections: ConnectionLimits(
                maximumConnections: maximumConnections, idleTimeout: .seconds(idleTimeout),
                requestTimeout: .seconds(requestTimeout)),
            minimumCellCount: minimumCount,
            lobby: LobbySettings(fontPath: lobbyFont, stringsPath: lobbyStrings, refreshSeconds: lobbyRefresh),
            delivery: try delivery.configuration(), alertInterval: .seconds(alertInterval))
        guard (5...3600).contains(alertInterval) else {
            throw ValidationError("--alert-interval must be 5 to 3600 seconds, got \(alertInterval)")
        }
        guard minimumCount >= 1 else {
            throw ValidationError("--minimum-count must be at least 1, got \(minimumCount)")
        }
        if let metricsTokenFile {
            try await refusing { configuration.metricsAccess = try MetricsAccess.tokenFile(metricsTokenFile) }
        }
        if let database {
            let location: PostgresLocation
            let password: String?
            do {
                location = try PostgresLocation.parse(database)
                password = try PostgresLocation.password(
                    file: databasePasswordFile, environment: ProcessInfo.processInfo.environment)
            } catch {
                throw ValidationError(error.description)
            }
            try await runPostgresHub(
                configuration: configuration, location: location, password: password, logger: logger)
            return
        }
        guard databasePasswordFile == nil else {
            throw ValidationError("--database-password-file goes with --database postgres://…")
        }
        let database = try state.open()
        try await runHub(configuration: configuration, database: database, logger: logger)
    }
}

struct CentreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "centre", abstract: "Manage centres.",
        discussion: "Example: smiley-hub centre list --state-directory /var/lib/smiley-hub",
        subcommands: [Add.self, SetCalendar.self, List.self])

    struct SetCalendar: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set a centre's opening hours and holidays: heatmaps draw only open hours.",
            discussion: #"""
                Presses outside opening hours are still stored and shown as a count. Holidays close a whole day.
                Example: smiley-hub centre set thimphu-dcrc --hours "Mon-Fri 09:00-17:00, Sat 09:00-13:00" --holiday 2026-12-17
                """#)

        @OptionGroup var store: StoreOptions
        @Argument(help: "Centre id.") var id: String
        @Option(help: #"Opening hours, for example "Mon-Fri 09:00-17:00, Sat 09:00-13:00"."#) var hours: String?
        @Flag(help: "Forget the opening hours: every hour counts as open.") var clearHours = false
        @Option(help: "A holiday (YYYY-MM-DD); repeat for several.") var holiday: [String] = []
        @Option(help: "Remove a holiday (YYYY-MM-DD); repeat for several.") var removeHoliday: [String] = []
        @Option(help: "Put the centre in this group (see smiley-hub group add).") var group: String?
        @Flag(help: "Take the centre out of its group.") var noGroup = false

        func run() async throws {
            let centreID: CentreID
            let opening: OpeningHours?
            let adding: [LocalDate]
            let removing: [LocalDate]
            do {
                centreID = try CentreID.parse(id)
                opening = try hours.map { text throws(CalendarInputError) in try OpeningHours.parse(text) }
                adding = try holiday.map { text throws(CalendarInputError) in try LocalDate.parse(text) }
                removing = try removeHoliday.map { text throws(CalendarInputError) in try LocalDate.parse(text) }
            } catch let error as ModelError {
                throw ValidationError(error.description)
            } catch let error as CalendarInputError {
                throw ValidationError(error.description)
            }
            guard hours == nil || !clearHours else { throw ValidationError("give --hours or --clear-hours, not both") }
            guard group == nil || !noGroup else { throw ValidationError("give --group or --no-group, not both") }
            let calendarChange = hours != nil || clearHours || !holiday.isEmpty || !removeHoliday.isEmpty
            guard calendarChange || group != nil || noGroup else {
                throw ValidationError(
                    "nothing to set: give --hours, --clear-hours, --holiday, --remove-holiday, --group or --no-group")
            }
            do {
                let calendar = try await store.withStore { database in
                    if let opening {
                        try await database.setOpeningHours(opening, centre: centreID)
                    } else if clearHours {
                        try await database.setOpeningHours(nil, centre: centreID)
                    }
                    if !adding.isEmpty || !removing.isEmpty {
                        try await database.updateHolidays(centre: centreID, adding: adding, removing: removing)
                    }
                    if group != nil || noGroup {
                        try await database.setGroup(
                            group, centre: centreID, by: commandLineActor, nowMillis: nowMillis())
                        print("\(centreID): \(group.map { "in group \($0)" } ?? "in no group")")
                        if !calendarChange { return OpeningCalendar?.none }
                    }
                    return try await database.openingCalendar(centre: centreID)
                }
                guard let calendar else { return }
                print(
                    "\(centreID): \(calendar.hours.map { "open \($0)" } ?? "every hour open")"
                        + (calendar.holidays.isEmpty
                            ? "" : "; holidays \(calendar.holidays.sorted().map(\.description).joined(separator: " "))")
                )
            } catch let error as ValidationError {
                throw error
            } catch {
                FileHandle.standardError.write(Data("smiley-hub: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a centre.",
            discussion: #"Example: smiley-hub centre add thimphu-dcrc --name "Thimphu DCRC" --time-zone Asia/Thimphu"#)

        @OptionGroup var store: StoreOptions
        @Argument(help: "Centre id: a-z, 0-9, '-' and '_'.") var id: String
        @Option(help: "Name managers read.") var name: String
        @Option(help: "IANA time zone of the centre.") var timeZone = "Asia/Thimphu"

        func run() async throws {
            let centreID: CentreID
            do { centreID = try CentreID.parse(id) } catch { throw ValidationError(error.description) }
            do {
                try await store.withStore { database in
                    try await database.addCentre(Centre(id: centreID, name: name, timeZone: timeZone))
                }
            } catch let error as HubError {
                throw ValidationError(error.description)
            }
            print("added centre \(centreID) (\(name), \(timeZone))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List centres.",
            discussion: "Example: smiley-hub centre list --state-directory /var/lib/smiley-hub")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            for centre in try await store.withStore({ database in try await database.centres() }) {
                print("\(centre.id)\t\(centre.timeZone)\t\(centre.name)")
            }
        }
    }
}

struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device", abstract: "Add, list and revoke devices.",
        discussion: "Example: smiley-hub device list --state-directory /var/lib/smiley-hub",
        subcommands: [Add.self, List.self, Revoke.self, SetKey.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a device to a centre and issue its secret token (shown or written once).",
            discussion:
                "Example: smiley-hub device add thimphu-exit-1 --centre thimphu-dcrc --token-file ./device-token")

        @OptionGroup var store: StoreOptions
        @Argument(help: "Device id: a-z, 0-9, '-' and '_'.") var id: String
        @Option(help: "Centre the device belongs to.") var centre: String
        @Option(help: "Write the token to this file (mode 0600) instead of printing it.") var tokenFile: String?
        @Option(help: "The device's public signing key (smileyctl signing-key prints it); set-key sets it later.")
        var publicKey: String?

        func run() async throws {
            let device: DeviceID
            let centreID: CentreID
            do {
                device = try DeviceID.parse(id)
                centreID = try CentreID.parse(centre)
            } catch { throw ValidationError(error.description) }
            if let tokenFile, FileManager.default.fileExists(atPath: tokenFile) {
                throw ValidationError("\(tokenFile) already exists: name a new file (the token is written only once)")
            }
            let token: DeviceToken
            do {
                token = try await store.withStore { database in
                    try await database.addDevice(
                        device, centre: centreID, publicKey: publicKey,
                        nowMillis: Int64(Date().timeIntervalSince1970 * 1000))
                }
            } catch let error as HubError {
                throw ValidationError(error.description)
            }
            if let tokenFile {
                // 0600 from the first byte, and never into a file someone else may already hold open.
                let descriptor = open(tokenFile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                let bytes = Array((token.value + "\n").utf8)
                let written = descriptor < 0 ? -1 : write(descriptor, bytes, bytes.count)
                if descriptor >= 0 { close(descriptor) }
                guard written == bytes.count else {
                    print(
                        "the device was added, but its token could not be written to \(tokenFile) (\(String(cString: strerror(errno)))): revoke it and add it again"
                    )
                    throw ExitCode.failure
                }
                print("added device \(device) to \(centreID); its token is in \(tokenFile)")
            } else {
                print(token.value)
            }
        }
    }

    struct SetKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-key",
            abstract: "Set the public key the hub checks a device's backlog files with.",
            discussion:
                "Example: smiley-hub device set-key thimphu-exit-1 --public-key \"$(ssh pi@thimphu-exit-1 smileyctl signing-key)\""
        )

        @OptionGroup var store: StoreOptions
        @Argument(help: "Device id.") var id: String
        @Option(help: "Base64 Ed25519 public key, as smileyctl signing-key prints it.") var publicKey: String

        func run() async throws {
            let device: DeviceID
            do { device = try DeviceID.parse(id) } catch { throw ValidationError(error.description) }
            do {
                try await store.withStore { database in try await database.setSigningKey(device, publicKey: publicKey) }
            } catch let error as HubError {
                throw ValidationError(error.description)
            }
            print("set the signing key of device \(device)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a device's token: its requests are refused; its presses stay.",
            discussion: "Example: smiley-hub device revoke thimphu-exit-1")

        @OptionGroup var store: StoreOptions
        @Argument(help: "Device id.") var id: String

        func run() async throws {
            do {
                let device = try DeviceID.parse(id)
                try await store.withStore { database in
                    try await database.revokeDevice(device, nowMillis: Int64(Date().timeIntervalSince1970 * 1000))
                }
            } catch let error as HubError {
                throw ValidationError(error.description)
            } catch let error as ModelError {
                throw ValidationError(error.description)
            }
            print("revoked device \(id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List devices with their press counts and last heartbeat.",
            discussion: "Example: smiley-hub device list --state-directory /var/lib/smiley-hub")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            for line in try await store.withStore({ database in try await database.deviceLines(nowMillis: now) }) {
                print(line)
            }
        }
    }
}

struct Enroll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a one-time code a technician redeems with smileyctl provision to add a device to a centre.",
        discussion: "Example: smiley-hub enroll --centre thimphu-dcrc --expires 24h")

    @OptionGroup var store: StoreOptions
    @Option(help: "Centre the device will belong to.") var centre: String
    @Option(help: "How long the code works: minutes (30m), hours (24h) or days (7d).") var expires = "24h"

    func run() async throws {
        let centreID: CentreID
        do { centreID = try CentreID.parse(centre) } catch { throw ValidationError(error.description) }
        guard let seconds = Self.seconds(expires) else {
            throw ValidationError(
                "--expires '\(expires)': expected a number followed by m, h or d, at most a year, for example 24h")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        do {
            let code = try await store.withStore { database in
                try await database.createEnrollmentCode(
                    centre: centreID, expiresMillis: now + seconds * 1000, nowMillis: now)
            }
            print(code)
        } catch let error as HubError {
            throw ValidationError(error.description)
        }
    }

    /// At most a year: a longer-lived code is a standing credential.
    static func seconds(_ text: String) -> Int64? {
        guard let unit = text.last, let value = Int64(text.dropLast()), (1...(366 * 24 * 60)).contains(value) else {
            return nil
        }
        let seconds: Int64
        switch unit {
        case "m": seconds = value * 60
        case "h": seconds = value * 3600
        case "d": seconds = value * 86_400
        default: return nil
        }
        return seconds <= 366 * 86_400 ? seconds : nil
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a device's backlog file (from smileyctl export), after checking it came from that device.",
        discussion:
            "Importing a file twice, or importing and then syncing over the network, counts every press once.\nExample: smiley-hub import /media/usb/thimphu-exit-1.smiley"
    )

    @OptionGroup var store: StoreOptions
    @Argument(help: "The export file.") var file: String

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file)")
        }
        do {
            let result = try await store.withStore { database in
                try await database.importBacklog(file: data, nowMillis: Int64(Date().timeIntervalSince1970 * 1000)) {
                    done, total in
                    let line = ProgressBar.render(done: done, total: total)
                    FileHandle.standardError.write(Data(((isatty(2) != 0) ? "\r" + line : line + "\n").utf8))
                }
            }
            if isatty(2) != 0 { FileHandle.standardError.write(Data("\n".utf8)) }
            print("imported \(result.accepted) new presses (\(result.duplicates) already held)")
        } catch let error as HubError {
            // The message may quote the file, which anyone could have written.
            throw ValidationError(TerminalText.neutralised(error.description))
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the hub's database to a file while the hub keeps running (one consistent snapshot).",
        discussion: """
            The copy is written beside DESTINATION, checked, synced and renamed into place; an existing \
            file is never overwritten. Restoring: docs/operations.md#backup-and-restore.
            Example: smiley-hub backup /var/backups/smiley-hub/hub-2026-11-30.sqlite
            """)

    @OptionGroup var state: StateOptions
    @Argument(help: "The file to write (must not exist).") var destination: String

    func run() async throws {
        do {
            let summary = try state.open().backup(to: destination)
            print(
                "backed up \(summary.presses) presses, \(summary.devices) devices and \(summary.centres) centres "
                    + "to \(destination) (\(summary.bytes) bytes)")
        } catch let error as HubError {
            throw ValidationError(error.description)
        }
    }
}

/// Where alerts go besides the pages. Secrets come from files, never from the command line.
struct DeliveryOptions: ParsableArguments {
    @Option(help: "POST each new alert as signed JSON to this http(s) URL (docs/alerts.md).")
    var alertWebhookUrl: String?
    @Option(help: "File holding the webhook's HMAC-SHA256 secret (at least 16 bytes).")
    var alertWebhookSecretFile: String?
    @Option(help: "Mail each new alert and each weekly report to the centre's managers through this SMTP server.")
    var smtpHost: String?
    @Option(help: "SMTP port.") var smtpPort = 587
    @Option(help: "Sender address of alert mail and weekly reports.") var smtpFrom: String?
    @Option(help: "SMTP user name (AUTH PLAIN, only after STARTTLS).") var smtpUser: String?
    @Option(help: "File holding the SMTP password.") var smtpPasswordFile: String?
    @Option(help: "starttls (required) or none (a relay on this machine, no password).") var smtpSecurity = "starttls"
    @Option(help: "PEM file of the certificate authorities trusted for STARTTLS (default: the system's).")
    var smtpCaFile: String?
    @Option(help: "An address that receives every centre's alert mail too; repeat for several.")
    var alertMailTo: [String] = []
    @Option(help: "The hub's address as managers reach it, for links in alert notifications.") var hubUrl: String?

    func configuration() throws -> DeliveryConfiguration? {
        var configuration = DeliveryConfiguration(hubURL: hubUrl)
        do {
            switch (alertWebhookUrl, alertWebhookSecretFile) {
            case (nil, nil): break
            case (let url?, let file?):
                configuration.webhook = try WebhookConfiguration.load(url: url, secretFile: file)
            default: throw ValidationError("--alert-webhook-url and --alert-webhook-secret-file go together")
            }
        } catch let error as DeliveryConfigurationError {
            throw ValidationError(error.description)
        }
        if let host = smtpHost {
            guard let from = smtpFrom, MailAddress.isValid(from) else {
                throw ValidationError("--smtp-host needs --smtp-from with the sender's e-mail address")
            }
            guard let security = SMTPConfiguration.Security(rawValue: smtpSecurity) else {
                throw ValidationError("--smtp-security '\(smtpSecurity)': expected starttls or none")
            }
            guard (1...65535).contains(smtpPort) else { throw ValidationError("--smtp-port must be 1 to 65535") }
            guard (smtpUser == nil) == (smtpPasswordFile == nil) else {
                throw ValidationError("--smtp-user and --smtp-password-file go together")
            }
            if smtpUser != nil && security == .none {
                throw ValidationError("--smtp-user needs --smtp-security starttls: a password is never sent in clear")
            }
            var password: String?
            if let file = smtpPasswordFile {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("--smtp-password-file \(file): cannot read the file")
                }
                password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
                guard password?.isEmpty == false else {
                    throw ValidationError("--smtp-password-file \(file): the file is empty")
                }
            }
            if let caFile = smtpCaFile, !FileManager.default.isReadableFile(atPath: caFile) {
                throw ValidationError("--smtp-ca-file \(caFile): cannot read the file")
            }
            configuration.smtp = SMTPConfiguration(
                host: host, port: smtpPort, from: from, security: security, user: smtpUser, password: password,
                caFile: smtpCaFile)
        } else if smtpFrom != nil || smtpUser != nil || smtpPasswordFile != nil || smtpCaFile != nil
            || !alertMailTo.isEmpty
        {
            throw ValidationError("the --smtp-* and --alert-mail-to options need --smtp-host")
        }
        for address in alertMailTo where !MailAddress.isValid(address) {
            throw ValidationError("--alert-mail-to '\(address)' is not an e-mail address")
        }
        configuration.extraRecipients = alertMailTo
        return configuration.channels.isEmpty ? nil : configuration
    }
}
