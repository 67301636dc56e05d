import Logging
import ServiceLifecycle
import SmileyCore

/// Mails each centre's weekly report once it falls due (after the week's last opening hour, in the centre's
/// zone), to the centre's managers that have an e-mail address, once per centre and week.
///
/// A pass at `nowMillis` first queues, for every centre, its latest due week in `weekly_report_sending`
/// (a week already there is left alone: sent, pending or given up), then tries every pending row that is due.
/// A failed attempt (SMTP refused, no manager with an address yet) is tried again on the alert outbox's
/// backoff (`DeliveryConfiguration.backoff`) and given up after its last attempt. The `--alert-mail-to`
/// addresses are not added: they are for alert mail. The row is marked sent only after the SMTP server has
/// accepted the message; a hub stopped between those two steps sends that one report again when it restarts.
///
/// It reads and writes through the store protocols, so it runs on SQLite and on PostgreSQL alike; on PostgreSQL,
/// under the lease "weekly-reports" (one hub of the database at a time), and the ledger's primary key keeps a
/// week queued once whichever hub queues it.
public struct WeeklyReportSender: Sendable {
    let store: any CentreReadStore & CentreCareStore & WeeklyReportLedger
    let from: String
    let mail: any MailTransport
    let backoff: DeliveryBackoff
    let settings: ReportSettings
    let logger: Logger

    /// - Parameter from: the sender's address (`--smtp-from`).
    public init(
        database: HubDatabase, from: String, mail: any MailTransport, backoff: DeliveryBackoff = DeliveryBackoff(),
        settings: ReportSettings = ReportSettings(), logger: Logger
    ) {
        self.init(store: database, from: from, mail: mail, backoff: backoff, settings: settings, logger: logger)
    }

    /// - Parameter from: the sender's address (`--smtp-from`).
    public init(
        store: any CentreReadStore & CentreCareStore & WeeklyReportLedger, from: String, mail: any MailTransport,
        backoff: DeliveryBackoff = DeliveryBackoff(), settings: ReportSettings = ReportSettings(), logger: Logger
    ) {
        self.store = store
        self.from = from
        self.mail = mail
        self.backoff = backoff
        self.settings = settings
        self.logger = logger
    }

    /// The sender the hub's delivery settings give, or nil when no SMTP server is configured.
    public init?(
        database: HubDatabase, configuration: DeliveryConfiguration, settings: ReportSettings, logger: Logger
    ) {
        self.init(store: database, configuration: configuration, settings: settings, logger: logger)
    }

    /// The sender the hub's delivery settings give over `store`, or nil when no SMTP server is configured.
    public init?(
        store: any CentreReadStore & CentreCareStore & WeeklyReportLedger, configuration: DeliveryConfiguration,
        settings: ReportSettings, logger: Logger
    ) {
        guard let smtp = configuration.smtp else { return nil }
        self.init(
            store: store, from: smtp.from, mail: SMTPClient(configuration: smtp), backoff: configuration.backoff,
            settings: settings, logger: logger)
    }

    struct NoRecipients: Error, CustomStringConvertible {
        let centre: CentreID
        var description: String {
            "no recipients: no manager of \(centre) has an e-mail address (smiley-hub user email NAME ADDRESS)"
        }
    }

    /// Queues the centres' latest due weeks and tries every due report once; returns the rows tried, as they
    /// stand afterwards.
    @discardableResult
    public func sendDue(nowMillis: Int64) async throws -> [WeeklyReportSending] {
        let reader = CentreReader(store: store, care: store, clock: .fixed(nowMillis), settings: settings)
        for centre in try await reader.centres() {
            let week = try await reader.weeklyReportSchedule(of: centre).latestDueWeek(nowMillis: nowMillis).week
            if try await store.queueWeeklyReport(centre: centre.id, weekFrom: week.from, nowMillis: nowMillis) {
                logger.info("weekly report of \(centre.id) for the week of \(week.from) is due")
            }
        }
        var results: [WeeklyReportSending] = []
        for due in try await store.dueWeeklyReports(nowMillis: nowMillis, limit: 50) {
            var problem: String?
            var recipients: [String] = []
            do {
                recipients = try await store.managerAddresses(centre: due.centre)
                guard !recipients.isEmpty else { throw NoRecipients(centre: due.centre) }
                let centre = try await reader.centre(due.centre.rawValue)
                let rendered = try WeeklyReportMail(try await reader.weeklyReport(of: centre, weekOf: due.weekFrom))
                try await mail.send(
                    MailMessage(
                        from: from, to: recipients, subject: rendered.subject, text: rendered.text, html: rendered.html)
                )
            } catch {
                problem = "\(error)"
            }
            let attempts = due.attempts + 1
            let next = problem == nil ? nil : backoff.nextAttempt(afterAttempts: attempts, nowMillis: nowMillis)
            try await store.recordWeeklyReportAttempt(
                centre: due.centre, weekFrom: due.weekFrom, error: problem, recipients: recipients,
                nextAttemptMillis: next, nowMillis: nowMillis)
            if let problem {
                let outcome = next == nil ? "giving up" : "trying again later"
                logger.warning(
                    "weekly report of \(due.centre) for the week of \(due.weekFrom): attempt \(attempts) failed: \(problem); \(outcome)"
                )
            } else {
                logger.info(
                    "weekly report of \(due.centre) for the week of \(due.weekFrom) sent to \(recipients.joined(separator: ", "))"
                )
            }
            if let stored = try await store.weeklyReportSendings(centre: due.centre, limit: 100).first(where: {
                $0.weekFrom == due.weekFrom
            }) {
                results.append(stored)
            }
        }
        return results
    }
}

/// Runs the weekly report sender inside the hub every `pollInterval`, at the hub clock's time. What was sent
/// is in the database, so a restart neither loses nor repeats a week.
public struct WeeklyReportService: Service {
    let sender: WeeklyReportSender
    let clock: HubClock
    let pollInterval: Duration
    let logger: Logger
    /// On PostgreSQL, the lease ("weekly-reports") that lets one hub at a time send; nil on SQLite.
    let lease: PeriodicWorkLease?

    public init(
        sender: WeeklyReportSender, clock: HubClock, pollInterval: Duration = .seconds(60), logger: Logger,
        lease: PeriodicWorkLease? = nil
    ) {
        self.lease = lease
        self.sender = sender
        self.clock = clock
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        await WakeSignal().run(every: pollInterval, lease: lease, logger: logger) {
            do {
                let tried = try await sender.sendDue(nowMillis: clock.nowMillis())
                logger.debug("weekly report pass done: \(tried.count) tried")
            } catch {
                logger.error("weekly report sending failed: \(error)")
            }
        }
    }
}
