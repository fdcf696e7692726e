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

    /// <summary>The clock of the state (token expiry, subscription expiry, lastModifiedDateTime...); the system clock when null.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>The Entra tenant of the fake Business Central: in its API paths and in the token endpoint's.</summary>
    public string BusinessCentralTenant { get; init; } = "sandbox-tenant";

    /// <summary>The environment of the fake Business Central (<c>/bc/v2.0/{tenant}/{environment}/api/...</c>).</summary>
    public string BusinessCentralEnvironment { get; init; } = "production";

    /// <summary>The client id the fake Entra endpoint issues BC tokens to.</summary>
    public string BusinessCentralClientId { get; init; } = "00000000-0000-0000-0000-00000000b0c1";

    /// <summary>The client secret the fake Entra endpoint accepts for <see cref="BusinessCentralClientId"/>.</summary>
    public string BusinessCentralClientSecret { get; init; } = "bc-sandbox-secret";

    /// <summary>The user of on-prem style <c>Basic</c> auth; Basic is refused when this or <see cref="BusinessCentralBasicKey"/> is empty.</summary>
    public string? BusinessCentralBasicUser { get; init; } = "BCUSER";

    /// <summary>The web service access key of <see cref="BusinessCentralBasicUser"/>.</summary>
    public string? BusinessCentralBasicKey { get; init; } = "bc-sandbox-access-key";

    /// <summary>The initial <see cref="SandboxState.BcMaxInFlight"/> (BC: 5).</summary>
    public int BcMaxInFlight { get; init; } = 5;

    /// <summary>The initial <see cref="SandboxState.BcMaxQueued"/> (BC: 95).</summary>
    public int BcMaxQueued { get; init; } = 95;

    /// <summary>How long a receiver has to answer the subscription handshake (BC: 5 s).</summary>
    public TimeSpan BcHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a receiver has to answer a notification POST before it counts as not reached (retried).</summary>
    public TimeSpan BcNotificationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When set, the sandbox delivers waiting BC notifications by itself every so often (BC waits 30 s after a
    /// change), on the state's clock; when null (the default) only <see cref="SandboxServer.DeliverBcNotificationsAsync"/> does.
    /// </summary>
    public TimeSpan? BcNotificationDelay { get; init; }

    /// <summary>The port of the fake Entra endpoint's HTTPS listener on 127.0.0.1; 0 (the default) for a free one.</summary>
    public int EntraPort { get; init; }

    /// <summary>The initial <see cref="SandboxState.ShopifyMaximumAvailable"/>: the leaky bucket's size per shop (points).</summary>
    public double ShopifyMaximumAvailable { get; init; } = 2000;

    /// <summary>The initial <see cref="SandboxState.ShopifyRestoreRate"/> (points per second; Shopify's Standard plan: 100).</summary>
    public double ShopifyRestoreRate { get; init; } = 100;

    /// <summary>Command-line arguments for ASP.NET Core's configuration (<c>--urls</c>, <c>--Logging:LogLevel:Default</c>...).</summary>
    public IReadOnlyList<string> Args { get; init; } = [];
}
