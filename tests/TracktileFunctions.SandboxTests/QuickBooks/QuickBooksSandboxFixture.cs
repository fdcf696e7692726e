using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.Sandbox;

namespace TracktileFunctions.SandboxTests.QuickBooks;

/// <summary>One sandbox on a fake clock for a whole test class (tests reset its state; the clock only moves forward).</summary>
public sealed class QuickBooksSandboxFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public SandboxServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await SandboxServer.StartAsync(new SandboxOptions { TimeProvider = Time });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
