using System.Collections.Concurrent;
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

/// <summary>One route the host serves: <c>{Method} /api/{Route}</c> (route parameters such as <c>{queue}</c> are in <c>request.RouteValues</c>).</summary>
/// <param name="Method">GET, POST, ...</param>
/// <param name="Route">The function's route, without <c>api/</c>.</param>
/// <param name="Invoke">Runs the function for one request.</param>
/// <param name="FunctionKey">True for <c>AuthorizationLevel.Function</c>: with a host key set, the request must carry it.</param>
public sealed record HttpFunctionRoute(string Method, string Route, Func<HttpRequest, CancellationToken, Task<IActionResult>> Invoke, bool FunctionKey = false)
{
    /// <summary>A route of a function whose answer is not asynchronous.</summary>
    public static HttpFunctionRoute Sync(string method, string route, Func<HttpRequest, IActionResult> invoke, bool functionKey = false)
        => new(method, route, (request, _) => Task.FromResult(invoke(request)), functionKey);
}

/// <summary>A request the host received: its method, path (with the query) and its <c>x-functions-key</c> header.</summary>
public sealed record HttpFunctionRequest(string Method, string PathAndQuery, string? FunctionKeyHeader);

/// <summary>
/// A real HTTP server on 127.0.0.1 that hands each request of its routes to an HTTP function class (built from the
/// app's services), the way the Functions ASP.NET Core integration does: so a system that calls the app back (Business
/// Central's subscription handshake and notifications), or a browser, reaches the function over the network. With a
/// function key, a route of <c>AuthorizationLevel.Function</c> answers 401 unless the request carries that key in
/// <c>x-functions-key</c> or <c>?code=</c>, as the Functions host does.
/// </summary>
public sealed class HttpFunctionHost : IAsyncDisposable
{
    /// <summary>The header the Functions host reads a function key from.</summary>
    public const string FunctionKeyHeader = "x-functions-key";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<HttpFunctionRequest> _received = new();
    private int _requests;

    private HttpFunctionHost(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:50123/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>How many requests reached a function.</summary>
    public int Requests => _requests;

    /// <summary>Every request the host received, in order (those refused for a missing key too).</summary>
    public IReadOnlyList<HttpFunctionRequest> Received => [.. _received];

    /// <summary>Serves <c>POST /api/{route}</c> with <paramref name="invoke"/>.</summary>
    public static Task<HttpFunctionHost> StartAsync(string route, Func<HttpRequest, CancellationToken, Task<IActionResult>> invoke)
        => StartAsync([new HttpFunctionRoute("POST", route, invoke)]);

    /// <summary>Serves each of <paramref name="routes"/>; <paramref name="functionKey"/>, when set, guards those that need a key.</summary>
    public static async Task<HttpFunctionHost> StartAsync(IEnumerable<HttpFunctionRoute> routes, string? functionKey = null)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddControllers(); // the executors of ContentResult and ObjectResult
        var app = builder.Build();
        var host = new HttpFunctionHost(app);
        app.Use(async (context, next) =>
        {
            host._received.Enqueue(new HttpFunctionRequest(context.Request.Method, context.Request.Path + context.Request.QueryString,
                context.Request.Headers.TryGetValue(FunctionKeyHeader, out var key) ? key.ToString() : null));
            await next(context);
        });
        foreach (var route in routes)
        {
            app.MapMethods("/api/" + route.Route, [route.Method], async (HttpContext context) =>
            {
                if (route.FunctionKey && functionKey is not null
                    && context.Request.Headers[FunctionKeyHeader].ToString() != functionKey && context.Request.Query["code"].ToString() != functionKey)
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    await context.Response.WriteAsync("401 Unauthorized: this route needs the function key");
                    return;
                }

                Interlocked.Increment(ref host._requests);
                var result = await route.Invoke(context.Request, context.RequestAborted);
                await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
            });
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        host.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
