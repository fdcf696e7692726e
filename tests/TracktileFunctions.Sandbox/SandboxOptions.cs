namespace TracktileFunctions.Sandbox;

/// <summary>How to start a <see cref="SandboxServer"/>.</summary>
public sealed class SandboxOptions
{
    /// <summary>The token the Tracktile side accepts in <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public string TracktileToken { get; init; } = "api-sandbox-token";

    /// <summary>
    /// Where to listen. When null: the <c>urls</c> setting (e.g. <c>--urls</c> in <see cref="Args"/>), else
    /// <c>http://127.0.0.1:0</c> (a free port).
    /// </summary>
    public Uri? Url { get; init; }

    /// <summary>Command-line arguments for ASP.NET Core's configuration (<c>--urls</c>, <c>--Logging:LogLevel:Default</c>...).</summary>
    public IReadOnlyList<string> Args { get; init; } = [];
}
