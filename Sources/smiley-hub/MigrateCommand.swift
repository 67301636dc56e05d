import ArgumentParser
import Foundation
import Logging
import SmileyHub

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Copy an SQLite hub's centres, devices, presses, people, actions, alerts, weekly report ledger and display tokens into PostgreSQL, then compare both sides.",
        discussion: """
            Copies centres (zone, opening hours, holidays), devices (token hashes, revocations, signing keys), \
            presses, boots' clock offsets and the latest heartbeats; each copied press is added to the rollups on \
            the PostgreSQL side. Copies the people too: groups and each centre's group, people (password hashes, \
            TOTP secrets, e-mail), their scope grants, password links, sessions, API tokens (ids kept) and the \
            audit log, the centres' actions, alert rules, alerts and their deliveries (ids kept), and the lobby's \
            display tokens (hashes only, ids kept). Copies the weekly reports' ledger (so a week already mailed \
            is not mailed again) and the enrollment codes not yet redeemed nor expired. Safe to run again: \
            nothing is doubled. A target holding other data under the same key is refused and left unchanged. \
            Ends by printing presses, rollups, the people's rows and the centres' care on both sides; exits 1 \
            when they differ.
            The password comes from --database-password-file or PGPASSWORD.
            Example: smiley-hub migrate --from sqlite:/var/lib/smiley-hub/hub.sqlite --to postgres://smiley@/smiley?host=/run/postgresql
            """)

    @Option(help: "The SQLite hub: sqlite:PATH to its hub.sqlite.") var from: String
    @Option(
        help: "The PostgreSQL database: postgres://USER@HOST[:PORT]/DATABASE or postgres://USER@/DATABASE?host=/DIR.")
    var to: String
    @Option(help: "File whose first line is the PostgreSQL password.") var databasePasswordFile: String?

    func run() async throws {
        guard from.hasPrefix("sqlite:"), from.count > "sqlite:".count else {
            throw ValidationError("--from '\(from)': expected sqlite:PATH, the SQLite hub's hub.sqlite")
        }
        let path = String(from.dropFirst("sqlite:".count))
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("--from \(path): no such file (the SQLite hub's state directory holds hub.sqlite)")
        }
        let location: PostgresLocation
        let password: String?
        do {
            location = try PostgresLocation.parse(to)
            password = try PostgresLocation.password(
                file: databasePasswordFile, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        let source: HubDatabase
        do { source = try HubDatabase(path: path) } catch { throw Failure("cannot open \(path): \(error)") }
        var logger = Logger(label: "smiley-hub.migrate")
        logger.logLevel = .warning
        let differ = try await PostgresPressStore.with(location, password: password, logger: logger) { store in
            do {
                let outcome = try await PostgresCopy.copy(from: source, to: store)
                print(
                    "copied into \(location): \(outcome.centres) centres, \(outcome.holidays) holidays, "
                        + "\(outcome.devices) devices, \(outcome.presses) presses (\(outcome.pressesAlreadyHeld) already held), "
                        + "\(outcome.bootClocks) boot clocks, \(outcome.heartbeats) heartbeats; "
                        + "\(outcome.groups) groups, \(outcome.people) people, \(outcome.scopes) scope grants, "
                        + "\(outcome.passwordLinks) password links, \(outcome.sessions) sessions, "
                        + "\(outcome.apiTokens) API tokens, \(outcome.auditLines) audit lines, "
                        + "\(outcome.secrets) hub keys; "
                        + "\(outcome.actions) actions, \(outcome.alertRuleSettings) alert rule settings, "
                        + "\(outcome.alerts) alerts, \(outcome.deliveries) deliveries; "
                        + "\(outcome.weeklyReports) weekly reports, \(outcome.enrollmentCodes) open enrollment codes, "
                        + "\(outcome.displayTokens) display tokens")
                for name in outcome.secretsKept {
                    print(
                        "hub key '\(name)': PostgreSQL already holds its own, kept (its hubs' forms carry it); "
                            + "a sign-in form opened on the SQLite hub is sent again")
                }
                let comparison = StoreFigures.comparison(
                    sqlite: try StoreFigures.read(source), postgres: try await StoreFigures.read(store))
                for line in comparison.lines { print(line) }
                if !PostgresCopy.tablesNotCopied.isEmpty {
                    print("not copied: \(PostgresCopy.tablesNotCopied.joined(separator: ", "))")
                }
                return comparison.differ
            } catch {
                throw Failure("migrate: \(error)")
            }
        }
        if differ {
            FileHandle.standardError.write(Data("smiley-hub: the two sides differ (lines marked DIFFERENT)\n".utf8))
            throw ExitCode.failure
        }
        print("both sides agree")
    }
}

/// A runtime failure: its message, no usage (that is for bad arguments).
struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
