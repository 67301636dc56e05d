import SmileyCore

/// The overview of every centre a reader may see: one row each, sortable, ranked by the shrunk index.
struct OverviewPage: Sendable {
    enum Sort: String, CaseIterable, Sendable {
        case rank, name, presses, index, change, accessibility
    }

    struct Header: Sendable {
        let label: String
        let href: String
        let ariaSort: String?
        let numeric: Bool
    }

    struct CentreRow: Sendable {
        let rank: Int
        let id: String
        let name: String
        let href: String
        let presses: Int
        let indexText: String
        let intervalText: String
        let rankedText: String
        let changeText: String
        let verdict: String
        let verdictText: String
        let accessibilityText: String
        let accessibilityPresses: Int
        let window: String
    }

    /// What the overview needs of one centre.
    struct Entry: Sendable {
        let centre: Centre
        let window: DateWindow
        let satisfaction: WindowTotals
        let accessibility: WindowTotals
    }

    let title = "All centres"
    let navigation: WindowNavigation
    let headers: [Header]
    let rows: [CentreRow]
    let hasRows: Bool
    let exportCSV: String
    let exportJSON: String
    let live: Bool
    let priorWeight: String
    var account: AccountBar? = nil
    var mayExport = true

    init(entries: [Entry], choice: WindowChoice, displayWindow: DateWindow, sort: Sort, live: Bool) {
        let query = WindowNavigation.query(choice: choice)
        let presses = entries.reduce(0) { $0 + $1.satisfaction.total.count }
        let weighted = entries.reduce(0.0) {
            $0 + ($1.satisfaction.estimate?.index ?? 0) * Double($1.satisfaction.total.count)
        }
        let overall = presses > 0 ? weighted / Double(presses) : 50
        let totalText = "\(Formatting.presses(presses)) of satisfaction in open hours across \(entries.count) centres."
        let overallText = presses > 0 ? " Overall index \(Formatting.index(overall))." : ""
        self.navigation = WindowNavigation(
            path: "/", choice: choice, window: displayWindow, keep: [("sort", sort.rawValue)],
            note: totalText + overallText)
        var rows: [(entry: Entry, shrunk: Double?)] = entries.map { entry in
            (
                entry,
                entry.satisfaction.estimate.map {
                    ShrunkIndex.shrink(index: $0.index, count: $0.count, overall: overall)
                }
            )
        }
        // Rank by the shrunk index (centres without presses last), then by name.
        rows.sort { a, b in
            switch (a.shrunk, b.shrunk) {
            case (let x?, let y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.entry.centre.name < b.entry.centre.name
            }
        }
        let ranked = rows.enumerated().map { position, row in
            let s = row.entry.satisfaction
            let estimate = s.estimate
            let a = row.entry.accessibility
            return CentreRow(
                rank: position + 1, id: row.entry.centre.id.rawValue, name: row.entry.centre.name,
                href: "/centres/\(row.entry.centre.id)?\(query)", presses: s.total.count,
                indexText: estimate.map { Formatting.index($0.index) } ?? "–",
                intervalText: estimate.map(Formatting.interval) ?? "",
                rankedText: row.shrunk.map(Formatting.index) ?? "–",
                changeText: s.comparison.change.map(Formatting.signed) ?? "–", verdict: s.comparison.verdict.rawValue,
                verdictText: Self.verdictText(s.comparison.verdict),
                accessibilityText: a.estimate.map { Formatting.index($0.index) } ?? "–",
                accessibilityPresses: a.total.count,
                window: row.entry.window.description)
        }
        self.rows = Self.sorted(
            ranked, by: sort, entries: Dictionary(uniqueKeysWithValues: entries.map { ($0.centre.id.rawValue, $0) }))
        self.hasRows = !entries.isEmpty
        self.headers = [
            ("Rank", Sort.rank, true), ("Centre", .name, false), ("Presses", .presses, true),
            ("Satisfaction index", .index, true), ("Change", .change, true),
            ("Accessibility index", .accessibility, true),
        ].map { label, key, numeric in
            Header(
                label: label, href: "/?\(query)&sort=\(key.rawValue)",
                ariaSort: key == sort ? (key == .name ? "ascending" : key == .rank ? "ascending" : "descending") : nil,
                numeric: numeric)
        }
        self.exportCSV = "/api/v1/export?format=csv&\(query)"
        self.exportJSON = "/api/v1/export?format=json&\(query)"
        self.live = live
        self.priorWeight = Formatting.index(ShrunkIndex.defaultPriorWeight)
    }

    static func verdictText(_ verdict: PeriodComparison.Verdict) -> String {
        switch verdict {
        case .better: "better, more than noise"
        case .worse: "worse, more than noise"
        case .noClearChange: "within noise"
        case .tooFewPresses: "too few to tell"
        }
    }

    static func sorted(_ rows: [CentreRow], by sort: Sort, entries: [String: Entry]) -> [CentreRow] {
        func value(_ row: CentreRow) -> Double {
            guard let entry = entries[row.id] else { return -.infinity }
            switch sort {
            case .rank, .name: return 0
            case .presses: return Double(entry.satisfaction.total.count)
            case .index: return entry.satisfaction.estimate?.index ?? -.infinity
            case .change: return entry.satisfaction.comparison.change ?? -.infinity
            case .accessibility: return entry.accessibility.estimate?.index ?? -.infinity
            }
        }
        switch sort {
        case .rank: return rows
        case .name: return rows.sorted { $0.name < $1.name }
        default: return rows.sorted { value($0) != value($1) ? value($0) > value($1) : $0.rank < $1.rank }
        }
    }
}
