using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using TracktileFunctions.Sandbox.Erp;
using TracktileFunctions.Sandbox.Hosting;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.Sandbox;

/// <summary>
/// The fake Tracktile API (<see cref="TracktileBaseAddress"/>) and the fake ERP (<see cref="ErpBaseAddress"/>),
/// served by one in-process Kestrel on 127.0.0.1, with their state in <see cref="State"/>.
/// </summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SandboxServer(WebApplication app, SandboxState state, Uri baseAddress)
    {
        _app = app;
        State = state;
        BaseAddress = baseAddress;
    }

    /// <summary>The root, e.g. <c>http://127.0.0.1:50123/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The Tracktile API's base URL: <see cref="BaseAddress"/> + <c>tracktile/</c>.</summary>
    public Uri TracktileBaseAddress => new(BaseAddress, "tracktile/");

    /// <summary>The ERP's base URL (<c>Erp:BaseUrl</c>): <see cref="BaseAddress"/> + <c>erp/</c>.</summary>
    public Uri ErpBaseAddress => new(BaseAddress, "erp/");

    /// <summary>Everything the sandbox received and holds; tests seed, fault and inspect through it.</summary>
    public SandboxState State { get; }

    /// <summary>Builds the app, starts listening and returns once requests can be served.</summary>
    public static async Task<SandboxServer> StartAsync(SandboxOptions? options = null, CancellationToken ct = default)
    {
        options ??= new SandboxOptions();
        var state = new SandboxState();
        var app = Build(options, state);
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new SandboxServer(app, state, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Completes when the app is asked to stop (Ctrl+C during a local run).</summary>
    public Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    /// <summary>Stops listening (delayed answers are cut short) and releases the app.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static WebApplication Build(SandboxOptions options, SandboxState state)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [.. options.Args],
            ApplicationName = typeof(SandboxServer).Assembly.GetName().Name,
        });
        builder.WebHost.UseUrls(options.Url?.ToString() ?? builder.Configuration["urls"] ?? "http://127.0.0.1:0");
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.ConfigureHttpJsonOptions(SandboxJson.Configure);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(state);

        var app = builder.Build();
        app.UseWhen(context => SandboxPaths.IsFake(context.Request.Path), fake =>
        {
            fake.UseMiddleware<RecordingMiddleware>();
            fake.UseMiddleware<FaultMiddleware>();
            fake.UseWhen(
                context => context.Request.Path.StartsWithSegments(SandboxPaths.Tracktile, StringComparison.OrdinalIgnoreCase),
                tracktile => tracktile.UseMiddleware<TracktileAuthMiddleware>());
            fake.UseWhen(
                context => context.Request.Path.StartsWithSegments(SandboxPaths.Erp, StringComparison.OrdinalIgnoreCase)
                           && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method),
                erp => erp.UseMiddleware<IdempotencyMiddleware>());
        });

        TracktileEndpoints.Map(app);
        ErpEndpoints.Map(app);
        AdminEndpoints.Map(app);
        return app;
    }
}
