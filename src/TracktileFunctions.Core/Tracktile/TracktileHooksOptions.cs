using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Tracktile;

/// <summary>Registering and rotating this app's Tracktile webhooks. Bound from <c>Tracktile:Hooks</c>.</summary>
public sealed class TracktileHooksOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Tracktile:Hooks";

    /// <summary>This app's public Tracktile webhook URL (<c>https://&lt;app&gt;/api/webhooks/tracktile</c>); the registrations point at it.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The kinds to register, one hook each; empty: every kind the app routes (<see cref="WildcardKinds"/> for routes such as <c>inventory.*</c>).</summary>
    public List<string> Kinds { get; set; } = [];

    /// <summary>
    /// The kinds a wildcard route stands for (a hook listens to one kind): Tracktile's documented order and shipment kinds,
    /// <c>inventory.received</c> and <c>inventory.produced</c>; the other inventory kinds are named but not spelt out in its docs.
    /// </summary>
    public List<string> WildcardKinds { get; set; } = [];

    /// <summary>The wildcard kinds used when <see cref="WildcardKinds"/> is empty (a configured list replaces them, not adds to them).</summary>
    public static IReadOnlyList<string> DefaultWildcardKinds { get; } =
    [
        "order.status.changed",
        "shipment.created", "shipment.updated", "shipment.status.changed", "shipment.items.assigned", "shipment.deleted",
        "inventory.received", "inventory.produced", "inventory.moved", "inventory.modified", "inventory.destroyed",
    ];

    /// <summary>The start of each registration's name (the kind follows).</summary>
    [Required]
    public string NamePrefix { get; set; } = "TracktileFunctions";

    /// <summary>How often at most the webhook receiver reads the stored secrets again when a signature matches none (seconds).</summary>
    [Range(0.1, 5)]
    public double SecretRefreshSeconds { get; set; } = 2;

    /// <summary>Lists, and creates, registrations (documented: <c>GET</c> and <c>POST /hooks</c>).</summary>
    [Required]
    public string HooksPath { get; set; } = "hooks";

    /// <summary>One registration (documented: <c>PUT</c> and <c>DELETE /hooks/{id}</c>).</summary>
    [Required]
    public string HookPath { get; set; } = "hooks/{hookId}";

    /// <summary>Rotates a registration's secret (documented: <c>POST /hooks/{id}/rotate</c>).</summary>
    [Required]
    public string RotatePath { get; set; } = "hooks/{hookId}/rotate";

    /// <summary>The property of a registration holding its id (Tracktile documents <c>secret</c>, not the id's name).</summary>
    [Required]
    public string IdProperty { get; set; } = "id";

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (WebhookUrl is { Length: > 0 } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult("Tracktile:Hooks:WebhookUrl must be the app's absolute http(s) webhook URL.", [nameof(WebhookUrl)]);
        }
    }
}

/// <summary>One of Tracktile's webhook registrations, as <c>GET /hooks</c> lists it (never with its secret).</summary>
/// <param name="Id">The registration id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Url">Where it delivers.</param>
/// <param name="Kind">The kind it listens to (<c>on</c>).</param>
public sealed record TracktileHook(string Id, string? Name, string? Url, string? Kind);
