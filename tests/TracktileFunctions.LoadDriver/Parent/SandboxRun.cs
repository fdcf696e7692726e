using System.Globalization;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.LoadDriver.Parent;

/// <summary>What the sandbox's ERP holds of the seeded products.</summary>
/// <param name="Count">Products the ERP holds (any version).</param>
/// <param name="AtVersion">Of the expected products, those the ERP holds at the seeded version.</param>
/// <param name="Upserts">Upserts that took effect, summed over products (each repeat of a product counts).</param>
/// <param name="LastWrite">When the ERP took its last upsert.</param>
internal readonly record struct ErpProgress(int Count, int AtVersion, long Upserts, DateTimeOffset? LastWrite);

/// <summary>
/// A sandbox (fake Tracktile API and ERP, in this process) seeded with <c>N</c> products, every call delayed by the
/// latency. Products are <c>prod_000000</c>... with distinct <c>modifiedAt</c> one second apart from
/// <see cref="FirstModifiedAt"/>, in the order the API pages them.
/// </summary>
internal sealed class SandboxRun : IAsyncDisposable
{
    public static readonly DateTimeOffset FirstModifiedAt = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly SandboxServer _server;

    private SandboxRun(SandboxServer server, int products)
    {
        _server = server;
        Products = products;
    }

    public SandboxState State => _server.State;

    public Uri Tracktile => _server.TracktileBaseAddress;

    public Uri Erp => _server.ErpBaseAddress;

    public int Products { get; }

    public static string Id(int i) => "prod_" + i.ToString("D6", CultureInfo.InvariantCulture);

    public static async Task<SandboxRun> StartAsync(int products, TimeSpan latency, ProductPagination pagination)
    {
        var server = await SandboxServer.StartAsync().ConfigureAwait(false);
        server.State.ProductPagination = pagination;
        server.State.SeedProducts(Enumerable.Range(0, products).Select(i => new TracktileProduct(
            Id(i),
            "SKU-" + i.ToString("D6", CultureInfo.InvariantCulture),
            "Product " + i.ToString(CultureInfo.InvariantCulture),
            "kg",
            Active: true,
            FirstModifiedAt.AddSeconds(i),
            new Dictionary<string, object?> { ["category"] = "cat-" + (i % 20).ToString(CultureInfo.InvariantCulture), ["shelfLifeDays"] = 30 + (i % 300) })).ToList());
        server.State.Latency = latency > TimeSpan.Zero ? latency : null;
        return new SandboxRun(server, products);
    }

    /// <summary>What the ERP holds of the first <paramref name="expected"/> products (one snapshot of its state).</summary>
    public ErpProgress Check(int expected)
    {
        var held = State.ErpProducts;
        DateTimeOffset? last = null;
        long upserts = 0;
        foreach (var product in held.Values)
        {
            upserts += product.UpsertCount;
            if (last is null || product.ReceivedAt > last)
            {
                last = product.ReceivedAt;
            }
        }

        var atVersion = 0;
        if (held.Count >= expected)
        {
            for (var i = 0; i < expected; i++)
            {
                if (held.TryGetValue(Id(i), out var product)
                    && product.Body.TryGetProperty("modifiedAt", out var modifiedAt)
                    && modifiedAt.TryGetDateTimeOffset(out var version)
                    && version == FirstModifiedAt.AddSeconds(i))
                {
                    atVersion++;
                }
            }
        }

        return new ErpProgress(held.Count, atVersion, upserts, last);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
