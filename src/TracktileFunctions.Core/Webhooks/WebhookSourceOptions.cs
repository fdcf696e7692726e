using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Webhooks;

/// <summary>
/// Settings of one webhook source (Tracktile, or a target system that calls back). Bound from
/// <c>Tracktile:Webhook</c> for Tracktile.
/// </summary>
public sealed class WebhookSourceOptions
{
    /// <summary>
    /// Every secret currently accepted: one per webhook registration, and old and new during a rotation. A source
    /// with no secret is off: its endpoint answers 404 and queues nothing (a deployment that never receives that
    /// source's webhooks needs no secret for it).
    /// </summary>
    [Required]
    public List<string> Secrets { get; set; } = [];

    /// <summary>Whether the source is on (it has at least one secret).</summary>
    public bool IsEnabled => Secrets.Count > 0;

    /// <summary>The header that carries <c>t=...,v1=...</c>.</summary>
    [Required]
    public string SignatureHeader { get; set; } = "X-Tracktile-Signature";

    /// <summary>How far the signed timestamp may be from now, in either direction (seconds).</summary>
    [Range(1, 86_400)]
    public int ToleranceSeconds { get; set; } = 300;

    /// <summary>Bodies larger than this are refused with 413.</summary>
    [Range(1_024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The envelope property holding the event id.</summary>
    [Required]
    public string IdProperty { get; set; } = "id";

    /// <summary>The envelope property holding the event kind.</summary>
    [Required]
    public string KindProperty { get; set; } = "kind";

    /// <summary>The envelope property holding the event time (ISO 8601); optional in a payload.</summary>
    [Required]
    public string TimeProperty { get; set; } = "time";

    /// <summary>
    /// Which queues each kind goes to, in addition to the source's default routes (see
    /// <see cref="IncludeDefaultRoutes"/>). A pattern is an exact kind, a prefix ending in <c>.*</c>, or <c>*</c>; every
    /// matching route contributes its queues.
    /// </summary>
    public List<EventRoute> Routes { get; set; } = [];

    /// <summary>Whether the source's default routes apply besides <see cref="Routes"/> (false: only <see cref="Routes"/>).</summary>
    public bool IncludeDefaultRoutes { get; set; } = true;

    /// <summary>Where a kind that matches no route goes: accepted, kept and visible, never rejected.</summary>
    [Required]
    [RegularExpression(EventRoute.QueueNamePattern, ErrorMessage = "UnroutedQueue must be a valid queue name.")]
    public string UnroutedQueue { get; set; } = "tracktile-unrouted";
}

/// <summary>One routing rule: events whose kind matches <see cref="Kind"/> go to every queue in <see cref="Queues"/>.</summary>
public sealed class EventRoute
{
    /// <summary>Azure Storage queue names: 3-63 lower-case letters, digits and single hyphens.</summary>
    public const string QueueNamePattern = "^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$";

    /// <summary>An exact kind (<c>order.status.changed</c>), a prefix (<c>inventory.*</c>) or <c>*</c>.</summary>
    [Required]
    public string Kind { get; set; } = "";

    /// <summary>The queues (one per consumer) that receive matching events.</summary>
    [Required]
    [MinLength(1)]
    public List<string> Queues { get; set; } = [];
}
