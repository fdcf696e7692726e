using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// A real HTTP server on 127.0.0.1 that hands each request of one route to an HTTP function class (built from the
/// app's services), the way the Functions ASP.NET Core integration does: so a system that calls the app back (Business
/// Central's subscription handshake and notifications) reaches the function over the network.
/// </summary>
public sealed class HttpFunctionHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpFunctionHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:50123/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>How many requests reached the function.</summary>
    public int Requests => _requests;

    private int _requests;

    /// <summary>Serves <c>POST /api/{route}</c> with <paramref name="invoke"/>.</summary>
    public static async Task<HttpFunctionHost> StartAsync(string route, Func<HttpRequest, CancellationToken, Task<IActionResult>> invoke)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddControllers(); // the executors of ContentResult and ObjectResult
        var app = builder.Build();
        HttpFunctionHost? host = null;
        app.MapPost("/api/" + route, async (HttpContext context) =>
        {
            Interlocked.Increment(ref host!._requests);
            var result = await invoke(context.Request, context.RequestAborted);
            await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        host = new HttpFunctionHost(app, new Uri(address.TrimEnd('/') + "/"));
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
