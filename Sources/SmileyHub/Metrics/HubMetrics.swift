import CoreMetrics
import Foundation
import Hummingbird
import Prometheus
import SmileyCore

/// The hub's metrics: events counted as they happen (swift-metrics, into a registry this hub owns, so two
/// hubs in one process never share figures) and figures read from the database at each scrape.
public final class HubMetrics: Sendable {
    /// Where counted events live; `/metrics` emits it.
    public let registry: PrometheusCollectorRegistry
    /// swift-metrics' factory over `registry`: what `main` may bootstrap globally for libraries.
    public let factory: PrometheusMetricsFactory

    let connectionsOpen: Meter
    let connectionsAccepted: CoreMetrics.Counter
    let ingestDuration: CoreMetrics.Timer

    /// Upper bounds of the ingest latency histogram.
    public static let ingestDurationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["smiley_hub_ingest_duration_seconds"] = Self.ingestDurationBuckets
        self.registry = registry
        self.factory = factory
        connectionsOpen = Meter(label: "smiley_hub_http_connections_open", factory: factory)
        connectionsAccepted = CoreMetrics.Counter(label: "smiley_hub_http_connections_total", factory: factory)
        ingestDuration = CoreMetrics.Timer(label: "smiley_hub_ingest_duration_seconds", factory: factory)
        // Series that exist from the start, so a rate over them is defined before the first event.
        for outcome in ["stored", "refused"] { count("smiley_hub_ingest_requests_total", ("outcome", outcome), by: 0) }
        for outcome in ["accepted", "duplicate", "time_uncertain"] {
            count("smiley_hub_ingest_presses_total", ("outcome", outcome), by: 0)
        }
        count("smiley_hub_ingest_conflicts_total", by: 0)
        connectionsOpen.set(0)
    }

    private func count(_ label: String, _ dimension: (String, String)? = nil, by amount: Int) {
        CoreMetrics.Counter(label: label, dimensions: dimension.map { [$0] } ?? [], factory: factory)
            .increment(by: amount)
    }

    // MARK: events

    /// A batch the hub stored (wholly: some presses may have been duplicates).
    func ingestStored(_ receipt: IngestReceipt, duration: Duration) {
        count("smiley_hub_ingest_requests_total", ("outcome", "stored"), by: 1)
        count("smiley_hub_ingest_presses_total", ("outcome", "accepted"), by: receipt.accepted)
        count("smiley_hub_ingest_presses_total", ("outcome", "duplicate"), by: receipt.duplicates)
        count("smiley_hub_ingest_presses_total", ("outcome", "time_uncertain"), by: receipt.timeUncertain)
        ingestDuration.recordNanoseconds(Self.nanoseconds(duration))
    }

    /// A batch the hub refused with `status`; nothing of it was stored. 409 is a conflict (a sequence
    /// held with other content, or a device claiming another centre).
    func ingestRefused(status: Int, duration: Duration) {
        count("smiley_hub_ingest_requests_total", ("outcome", "refused"), by: 1)
        count("smiley_hub_ingest_refused_total", ("status", String(status)), by: 1)
        if status == 409 { count("smiley_hub_ingest_conflicts_total", by: 1) }
        ingestDuration.recordNanoseconds(Self.nanoseconds(duration))
    }

    func connectionOpened() {
        connectionsAccepted.increment()
        connectionsOpen.increment()
    }

    func connectionClosed() { connectionsOpen.decrement() }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    // MARK: exposition

    /// The whole text a scrape receives: counted events, then `figures`.
    public func exposition(_ figures: HubFigures) -> String {
        registry.emitToString() + Self.render(figures)
    }

    /// The scrape-time figures in Prometheus text format (a registry of their own per scrape, so a device
    /// removed since the last scrape leaves no stale series behind).
    public static func render(_ figures: HubFigures) -> String {
        let scrape = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            scrape.makeGauge(
                descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels
            )
            .set(to: value)
        }
        gauge(
            "smiley_hub_devices_seen_last_hour", "Devices that sent a batch or a heartbeat in the last hour.", [],
            Double(figures.devicesSeenLastHour))
        gauge("smiley_hub_devices", "Devices registered at the hub.", [], Double(figures.devices.count))
        for device in figures.devices {
            let labels = [("centre", device.centre.rawValue), ("device", device.device.rawValue)]
            if let age = device.heartbeatAgeSeconds {
                gauge(
                    "smiley_hub_device_heartbeat_age_seconds", "Seconds since the device's latest heartbeat arrived.",
                    labels, age)
            }
            if let backlog = device.backlog {
                gauge(
                    "smiley_hub_device_backlog_presses", "Presses the device held unsent at its latest heartbeat.",
                    labels, Double(backlog))
            }
            gauge(
                "smiley_hub_device_open_hours_since_last_press",
                "Whole opening hours of the device's centre since its latest press (at most two weeks' worth).",
                labels, Double(device.openHoursSinceLastPress))
            gauge(
                "smiley_hub_device_offline",
                "1 when the device sent no heartbeat for 15 minutes while its centre is open.", labels,
                device.offline ? 1 : 0)
        }
        for (centre, open) in figures.centresOpen.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            gauge(
                "smiley_hub_centre_open", "1 while the centre is open by its opening hours and holidays.",
                [("centre", centre.rawValue)], open ? 1 : 0)
        }
        for kind in AlertKind.allCases {
            gauge(
                "smiley_hub_alerts_open", "Open alerts (docs/alerts.md), by kind.", [("kind", kind.rawValue)],
                Double(figures.alertsOpen[kind.rawValue] ?? 0))
        }
        for (file, bytes) in [("main", figures.databaseBytes), ("wal", figures.walBytes)] {
            gauge(
                "smiley_hub_database_bytes", "Size of hub.sqlite (main) and of its write-ahead log (wal).",
                [("file", file)], Double(bytes))
        }
        return scrape.emitToString()
    }
}

extension Optional where Wrapped == HubMetrics {
    /// Runs an ingest request and counts it by its receipt or by the status it was refused with.
    func measureIngest(_ ingest: () async throws -> JSONResponse<IngestReceipt>) async throws
        -> JSONResponse<IngestReceipt>
    {
        guard let metrics = self else { return try await ingest() }
        let start = ContinuousClock.now
        do {
            let response = try await ingest()
            metrics.ingestStored(response.value, duration: ContinuousClock.now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.ingestRefused(status: status, duration: ContinuousClock.now - start)
            throw error
        }
    }
}
