using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http.Features;
using TracktileFunctions.Sandbox.BusinessCentral;
using TracktileFunctions.Sandbox.Erp;
using TracktileFunctions.Sandbox.Hosting;
using TracktileFunctions.Sandbox.QuickBooks;
using TracktileFunctions.Sandbox.ShipHero;
using TracktileFunctions.Sandbox.Shopify;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.Sandbox;

/// <summary>
/// The fake Tracktile API (<see cref="TracktileBaseAddress"/>), the fake ERP (<see cref="ErpBaseAddress"/>) and the
/// fake Business Central (<see cref="BusinessCentralBaseAddress"/>), the fake Shopify (<see cref="ShopifyBaseAddress"/>) and
/// the fake ShipHero (<see cref="ShipHeroBaseAddress"/>) and the fake QuickBooks Online (<see cref="QuickBooksBaseAddress"/>), served by one in-process Kestrel on 127.0.0.1,
/// plus the fake Entra token endpoint on an HTTPS listener of its own (<see cref="EntraAuthorityHost"/>), with their
/// state in <see cref="State"/>.
/// </summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WebApplication _entra;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _notificationLoop;

    private SandboxServer(WebApplication app, WebApplication entra, SandboxState state, Uri baseAddress, Uri entraAuthorityHost, X509Certificate2 certificate, TimeSpan? notificationDelay)
    {
        _app = app;
        _entra = entra;
        State = state;
        BaseAddress = baseAddress;
        EntraAuthorityHost = entraAuthorityHost;
        Certificate = certificate;
        _notificationLoop = notificationDelay is { } delay ? DeliverEveryAsync(delay, _stopping.Token) : Task.CompletedTask;
    }

    /// <summary>The root, e.g. <c>http://127.0.0.1:50123/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The Tracktile API's base URL: <see cref="BaseAddress"/> + <c>tracktile/</c>.</summary>
    public Uri TracktileBaseAddress => new(BaseAddress, "tracktile/");

    /// <summary>The ERP's base URL (<c>Erp:BaseUrl</c>): <see cref="BaseAddress"/> + <c>erp/</c>.</summary>
    public Uri ErpBaseAddress => new(BaseAddress, "erp/");

    /// <summary>
    /// Business Central's base URL (<c>BusinessCentral:BaseUrl</c>): <see cref="BaseAddress"/> + <c>bc/v2.0/</c>. The API
    /// is at <c>{tenant}/{environment}/api/v2.0/</c> under it (<see cref="SandboxOptions.BusinessCentralTenant"/>,
    /// <see cref="SandboxOptions.BusinessCentralEnvironment"/>).
    /// </summary>
    public Uri BusinessCentralBaseAddress => new(BaseAddress, "bc/v2.0/");

    /// <summary>
    /// Shopify's shop URL template with <c>{shop}</c> cut off: <see cref="BaseAddress"/> + <c>shopify/</c>. The shop
    /// <c>https://{shop}/</c> is at <c>shopify/{shop}/</c> under it (e.g. <see cref="SandboxState.ShopifyShop"/>).
    /// </summary>
    public Uri ShopifyBaseAddress => new(BaseAddress, "shopify/");

    /// <summary>The fake shop <paramref name="shop"/>'s root, standing for <c>https://{shop}/</c>.</summary>
    public Uri ShopifyShopAddress(string shop = SandboxState.ShopifyShop) => new(ShopifyBaseAddress, shop + "/");

    /// <summary>
    /// ShipHero's Public API root, standing for <c>https://public-api.shiphero.com/</c>: <see cref="BaseAddress"/> +
    /// <c>shiphero/</c> (<c>auth/token</c>, <c>auth/refresh</c>, <c>graphql</c> under it).
    /// </summary>
    public Uri ShipHeroBaseAddress => new(BaseAddress, "shiphero/");

    /// <summary>
    /// QuickBooks Online's API host, standing for <c>https://quickbooks.api.intuit.com/</c>: <see cref="BaseAddress"/> +
    /// <c>quickbooks/</c> (the Accounting API at <c>v3/company/{realmId}/...</c> under it).
    /// </summary>
    public Uri QuickBooksBaseAddress => new(BaseAddress, "quickbooks/");

    /// <summary>Intuit's authorization (consent) page, standing for <c>https://appcenter.intuit.com/connect/oauth2</c>.</summary>
    public Uri QuickBooksAuthorizeAddress => new(BaseAddress, "quickbooks/connect/oauth2");

    /// <summary>Intuit's token endpoint, standing for <c>https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer</c>.</summary>
    public Uri QuickBooksTokenAddress => new(BaseAddress, "quickbooks/oauth2/v1/tokens/bearer");

    /// <summary>Intuit's revoke endpoint, standing for <c>https://developer.api.intuit.com/v2/oauth2/tokens/revoke</c>.</summary>
    public Uri QuickBooksRevokeAddress => new(BaseAddress, "quickbooks/oauth2/v1/tokens/revoke");

    /// <summary>
    /// The fake Entra ID's authority host, e.g. <c>https://127.0.0.1:50124/</c>: tokens from
    /// <c>POST {tenant}/oauth2/v2.0/token</c>. Clients must trust <see cref="Certificate"/> and disable instance discovery.
    /// </summary>
    public Uri EntraAuthorityHost { get; }

    /// <summary>The self-signed certificate of the Entra listener (for 127.0.0.1, ::1 and localhost), made at start.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Everything the sandbox received and holds; tests seed, fault and inspect through it.</summary>
    public SandboxState State { get; }

    /// <summary>Builds the app, starts listening and returns once requests can be served.</summary>
    public static async Task<SandboxServer> StartAsync(SandboxOptions? options = null, CancellationToken ct = default)
    {
        options ??= new SandboxOptions();
        var state = new SandboxState(options.TimeProvider);
        state.ConfigureBusinessCentral(options);
        state.ConfigureShopify(options);
        var certificate = EntraHost.CreateCertificate();
        var app = Build(options, state);
        var entra = EntraHost.Build(options, state, certificate);
        try
        {
            await app.StartAsync(ct);
            await entra.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            await entra.DisposeAsync();
            certificate.Dispose();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new SandboxServer(app, entra, state, new Uri(address.TrimEnd('/') + "/"), EntraHost.AddressOf(entra), certificate, options.BcNotificationDelay);
    }

    /// <summary>Delivers what BC's webhook subscriptions have waiting (see <see cref="SandboxState.DeliverBcNotificationsAsync"/>).</summary>
    public Task<IReadOnlyList<BcNotificationDelivery>> DeliverBcNotificationsAsync(CancellationToken ct = default) => State.DeliverBcNotificationsAsync(ct);

    /// <summary>Completes when the app is asked to stop (Ctrl+C during a local run).</summary>
    public Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    /// <summary>Stops listening (delayed answers are cut short) and releases the apps and the certificate.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _notificationLoop;
        await _entra.StopAsync();
        await _entra.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
        _stopping.Dispose();
    }

    /// <summary>BC's notification job: every <paramref name="delay"/> (on the state's clock), delivers what is waiting.</summary>
    private async Task DeliverEveryAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(delay, State.TimeProvider, ct);
                if (State.HasPendingBcNotifications())
                {
                    await State.DeliverBcNotificationsAsync(ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
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
        app.UseWhen(context => SandboxPaths.IsFake(context.Request.Path) || QboPaths.Is(context.Request.Path), fake =>
        {
            // QuickBooks' token and revoke requests carry the code and tokens: recorded as ***. Its answers carry
            // intuit_tid, and injected faults answer in its shapes.
            fake.UseWhen(
                context => QboPaths.Is(context.Request.Path),
                quickbooks => quickbooks
                    .UseMiddleware<RecordingMiddleware>(new RecordingMiddleware.BodyFilter(QboRedaction.Redact))
                    .UseMiddleware<QboFrontMiddleware>());
            // Shopify's token requests carry the client secret: it is recorded as ***.
            fake.UseWhen(
                context => context.Request.Path.StartsWithSegments(SandboxPaths.Shopify, StringComparison.OrdinalIgnoreCase),
                shopify => shopify.UseMiddleware<RecordingMiddleware>(new RecordingMiddleware.BodyFilter(ShopifyRedaction.Redact)));
            // ShipHero's token requests carry the password and the refresh token: recorded as ***.
            fake.UseWhen(
                context => context.Request.Path.StartsWithSegments(SandboxPaths.ShipHero, StringComparison.OrdinalIgnoreCase),
                shiphero => shiphero.UseMiddleware<RecordingMiddleware>(new RecordingMiddleware.BodyFilter(ShipHeroRedaction.Redact)));
            // Tracktile's hook answers reveal secrets (answers are never recorded); a request carrying one is recorded as ***.
            fake.UseWhen(
                context => IsTracktileHooks(context.Request.Path),
                hooks => hooks.UseMiddleware<RecordingMiddleware>(new RecordingMiddleware.BodyFilter(TracktileHookRedaction.Redact)));
            fake.UseWhen(
                context => !context.Request.Path.StartsWithSegments(SandboxPaths.Shopify, StringComparison.OrdinalIgnoreCase)
                           && !context.Request.Path.StartsWithSegments(SandboxPaths.ShipHero, StringComparison.OrdinalIgnoreCase)
                           && !QboPaths.Is(context.Request.Path)
                           && !IsTracktileHooks(context.Request.Path),
                others => others.UseMiddleware<RecordingMiddleware>());
            fake.UseMiddleware<FaultMiddleware>();
            fake.UseWhen(
                context => context.Request.Path.StartsWithSegments(SandboxPaths.Tracktile, StringComparison.OrdinalIgnoreCase),
                tracktile => tracktile.UseMiddleware<TracktileAuthMiddleware>());
            fake.UseWhen(
                context => context.Request.Path.StartsWithSegments(SandboxPaths.Erp, StringComparison.OrdinalIgnoreCase)
                           && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method),
                erp => erp.UseMiddleware<IdempotencyMiddleware>());
            fake.UseWhen(
                context => context.Request.Path.StartsWithSegments(SandboxPaths.BusinessCentral, StringComparison.OrdinalIgnoreCase),
                bc => bc.UseMiddleware<BcGateMiddleware>());
        });

        TracktileEndpoints.Map(app);
        ErpEndpoints.Map(app);
        BcApi.Map(app);
        ShopifyEndpoints.Map(app);
        ShipHeroEndpoints.Map(app);
        QuickBooksEndpoints.Map(app);
        AdminEndpoints.Map(app);
        return app;
    }

    private static bool IsTracktileHooks(PathString path)
        => path.StartsWithSegments(SandboxPaths.Tracktile + "/hooks", StringComparison.OrdinalIgnoreCase);
}
