using System.ComponentModel.DataAnnotations;

namespace TracktileFunctions.Operations;

/// <summary>The status page's settings (section <c>Operations</c>); every one has a default.</summary>
public sealed class OperationsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Operations";

    /// <summary>How far back the status counts webhooks and outbound calls by outcome, in minutes (default 60).</summary>
    [Range(1, 24 * 60)]
    public int WindowMinutes { get; set; } = 60;

    /// <summary>How often an instance writes what it saw to the table <c>operations</c>, in seconds (default 30).</summary>
    [Range(1, 3600)]
    public int FlushSeconds { get; set; } = 30;

    /// <summary>How many of the product batch's runs the status shows (default 10).</summary>
    [Range(1, 100)]
    public int RecentRuns { get; set; } = 10;

    /// <summary>The most failures one listing returns (default 100).</summary>
    [Range(1, 1000)]
    public int MaxFailuresListed { get; set; } = 100;

    /// <summary>This instance's name in the rows it writes: Azure's <c>WEBSITE_INSTANCE_ID</c>, else the machine and process.</summary>
    public string InstanceId { get; set; } = Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID") is { Length: > 0 } id
        ? id
        : Environment.MachineName + "-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The window as a span.</summary>
    public TimeSpan Window => TimeSpan.FromMinutes(WindowMinutes);

    /// <summary>The flush interval as a span.</summary>
    public TimeSpan FlushInterval => TimeSpan.FromSeconds(FlushSeconds);
}
