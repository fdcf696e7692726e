using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace TracktileFunctions.LoadDriver.Proxy;

/// <summary>
/// A reverse proxy (YARP's forwarder) on three loopback ports in front of Azurite's blob, queue and table ports. Every
/// request is forwarded unchanged (no header added or removed, so Shared Key signatures still match) and recorded in
/// <see cref="Log"/>: what it was, its status, its sizes, the messages a dequeue returned and the operations a table
/// batch held. Give the app <see cref="ConnectionString"/> and everything it and the queue extension do is counted.
/// </summary>
internal sealed class CountingStorageProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _invoker;

    private CountingStorageProxy(WebApplication app, HttpMessageInvoker invoker, string connectionString)
    {
        _app = app;
        _invoker = invoker;
        ConnectionString = connectionString;
    }

    /// <summary>The storage account through the proxy (the emulator's well-known account, explicit endpoints).</summary>
    public string ConnectionString { get; }

    public OperationLog Log { get; } = new();

    public static async Task<CountingStorageProxy> StartAsync(string accountName, string accountKey, int blobPort, int queuePort, int tablePort, CancellationToken cancellationToken)
    {
        var ports = FreePorts(3);
        var targets = new Dictionary<int, (StorageService Service, string Destination)>
        {
            [ports[0]] = (StorageService.Blob, Local(blobPort)),
            [ports[1]] = (StorageService.Queue, Local(queuePort)),
            [ports[2]] = (StorageService.Table, Local(tablePort)),
        };

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHttpForwarder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            foreach (var port in ports)
            {
                kestrel.Listen(IPAddress.Loopback, port);
            }
        });
        var app = builder.Build();
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        });
        var proxy = new CountingStorageProxy(app, invoker, string.Create(CultureInfo.InvariantCulture,
            $"DefaultEndpointsProtocol=http;AccountName={accountName};AccountKey={accountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{ports[0]}/{accountName};" +
            $"QueueEndpoint=http://127.0.0.1:{ports[1]}/{accountName};" +
            $"TableEndpoint=http://127.0.0.1:{ports[2]}/{accountName};"));
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        var config = new ForwarderRequestConfig
        {
            ActivityTimeout = TimeSpan.FromSeconds(120),
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        app.Run(context => proxy.ForwardAsync(context, forwarder, config, targets[context.Connection.LocalPort]));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            invoker.Dispose();
            throw;
        }

        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _invoker.Dispose();
        }
    }

    private async Task ForwardAsync(HttpContext context, IHttpForwarder forwarder, ForwarderRequestConfig config, (StorageService Service, string Destination) target)
    {
        var request = context.Request;
        var operation = StorageOperationClassifier.Classify(
            target.Service, request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", request.Headers.IfMatch.Count > 0);

        // A table batch's body is a multipart document with one application/http part per operation; a dequeue's
        // answer is XML with one <MessageId> per message. Both are counted on the fly, nothing is buffered.
        var batchParts = operation.Kind == StorageOperationClassifier.Batch ? new PatternCounter("application/http") : null;
        var messages = operation.Service == StorageService.Queue && operation.Kind is StorageOperationClassifier.GetMessages or "peek messages"
            ? new PatternCounter("<MessageId>")
            : null;
        var requestBody = new CountingStream(request.Body, batchParts);
        var responseBody = new CountingStream(context.Response.Body, messages);
        request.Body = requestBody;
        context.Response.Body = responseBody;

        var error = await forwarder.SendAsync(context, target.Destination, _invoker, config, HttpTransformer.Empty).ConfigureAwait(false);
        var status = error == ForwarderError.None ? context.Response.StatusCode : Math.Max(context.Response.StatusCode, 502);
        Log.Add(new OperationRecord(
            DateTimeOffset.UtcNow.UtcTicks,
            operation,
            status,
            batchParts?.Count ?? 0,
            messages?.Count ?? 0,
            requestBody.Bytes,
            responseBody.Bytes));
    }

    private static string Local(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/");

    /// <summary>Distinct free loopback ports: the listeners are held open together, so none is handed out twice.</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
