/// What the lobby screen needs from the host: the Dzongkha strings file and the Tibetan font to serve.
public struct LobbySettings: Sendable {
    /// Debian's fonts-ddc-uchen installs the Dzongkha Development Commission's Uchen font here.
    public static let defaultFontPath = "/usr/share/fonts/truetype/tibetan/DDC_Uchen.ttf"

    /// The TrueType font served at `/display-font/uchen.ttf` (a missing file answers 404 and the page
    /// falls back to the browser's own fonts).
    public var fontPath: String
    /// The Dzongkha strings (`dz.json`); nil looks in the default places (`LobbyStrings.defaultPaths()`).
    public var stringsPath: String?
    /// Seconds between the screen's reloads.
    public var refreshSeconds: Int

    public init(fontPath: String = LobbySettings.defaultFontPath, stringsPath: String? = nil, refreshSeconds: Int = 300)
    {
        self.fontPath = fontPath
        self.stringsPath = stringsPath
        self.refreshSeconds = max(10, refreshSeconds)
    }
}
