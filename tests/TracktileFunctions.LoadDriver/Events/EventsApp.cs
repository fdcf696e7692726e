using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.LoadDriver.Child;
using TracktileFunctions.Storage;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>
/// The app in a child process of the <c>events</c> command: its real service graph (<c>AddTracktileFunctions</c>)
/// from the settings the driver passed (<c>--set</c>), its hosted services started (the queue provisioner creates the
/// queues), and the queue functions named, each under the real queue extension with host.json's options
/// (<see cref="WebJobsQueueHost"/>). Webhooks go through the HTTP function class itself, with a request whose body is
/// a stream, as the Functions ASP.NET Core integration hands it.
/// </summary>
internal sealed class EventsApp : IAsyncDisposable
{
    /// <summary>The setting holding the webhook secret the driver signs with.</summary>
    public const string SecretSetting = "Tracktile:Webhook:Secrets:0";

    private static readonly TimeSpan BackgroundStartWait = TimeSpan.FromSeconds(30);

    private readonly ServiceProvider _services;
    private readonly List<IHostedService> _hosted;
    private readonly List<WebJobsQueueHost> _hosts = [];
    private readonly string _signatureHeader;

    private EventsApp(ServiceProvider services, List<IHostedService> hosted, string secret)
    {
        _services = services;
        _hosted = hosted;
        Secret = secret;
        _signatureHeader = services.GetRequiredKeyedService<WebhookReceiver>(WebhookSources.Tracktile).SignatureHeader;
    }

    public string Secret { get; }

    /// <summary>The queue functions started and their queues, for the driver.</summary>
    public JsonArray Functions => [.. _hosts.Select(h => new JsonObject { ["name"] = h.Function.Name, ["queue"] = h.QueueName })];

    public static async Task<EventsApp> StartAsync(IReadOnlyList<KeyValuePair<string, string>> settings, LogLevel logLevel, IEnumerable<string> functions)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.GroupBy(s => s.Key, StringComparer.OrdinalIgnoreCase).Select(g => new KeyValuePair<string, string?>(g.Key, g.Last().Value))) // the last one given wins
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging
                .SetMinimumLevel(logLevel)
                .AddFilter("System.Net.Http", LogLevel.Warning)
                .AddFilter("Polly", LogLevel.Warning)
                .AddSimpleConsole(o => (o.SingleLine, o.TimestampFormat) = (true, "HH:mm:ss.fff ")))
            .Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace); // stdout is the protocol
        services.AddTracktileFunctions(configuration);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var app = new EventsApp(provider, [.. provider.GetServices<IHostedService>()], configuration[SecretSetting] ?? throw new UsageException($"{SecretSetting} is not set"));
        try
        {
            await app.StartCoreAsync(configuration["AzureWebJobsStorage"]!, functions).ConfigureAwait(false);
            return app;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends one signed webhook through the HTTP function, in process; throws unless it answers 200.</summary>
    public async Task PostAsync(SignedWebhook webhook, CancellationToken cancellationToken)
    {
        var context = new DefaultHttpContext();
        (context.Request.Method, context.Request.ContentType, context.Request.ContentLength) = ("POST", "application/json", webhook.Body.Length);
        context.Request.Headers[_signatureHeader] = webhook.Signature;
        context.Request.Body = new MemoryStream(webhook.Body, writable: false);
        Accepted(await Function().RunAsync(context.Request, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>One of the app's services.</summary>
    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>The function class, built for one invocation as the worker builds it.</summary>
    public TracktileWebhookFunction Function() => ActivatorUtilities.CreateInstance<TracktileWebhookFunction>(_services);

    /// <summary>Signs each body now, outside any timing (the sender's cost, not the app's).</summary>
    public SignedWebhook[] Sign(IReadOnlyList<LoadEvent> events)
    {
        var now = DateTimeOffset.UtcNow;
        return [.. events.Select(e => new SignedWebhook(e, e.Body, WebhookSignatureVerifier.Sign(Secret, now, e.Body), _signatureHeader))];
    }

    public static void Accepted(IActionResult result)
    {
        if (result is not ContentResult { StatusCode: 200 })
        {
            throw new InvalidOperationException($"the webhook function answered {(result as ContentResult)?.StatusCode}: {(result as ContentResult)?.Content}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await _hosts[i].DisposeAsync().ConfigureAwait(false);
        }

        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        foreach (var service in _hosted)
        {
            await service.StopAsync(stopping.Token).ConfigureAwait(false);
        }

        await _services.DisposeAsync().ConfigureAwait(false);
    }

    private async Task StartCoreAsync(string storage, IEnumerable<string> functions)
    {
        foreach (var service in _hosted)
        {
            await service.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        // The queue provisioner is a one-off start-up job: let it finish, so the queues exist before the first webhook.
        // (The other background services run for the app's life.)
        foreach (var provisioner in _hosted.OfType<QueueProvisioner>())
        {
            await Task.WhenAny(provisioner.ExecuteTask ?? Task.CompletedTask, Task.Delay(BackgroundStartWait)).ConfigureAwait(false);
        }

        var assembly = Assembly.Load(AppChild.FunctionsAssembly);
        foreach (var name in functions)
        {
            _hosts.Add(await WebJobsQueueHost.StartAsync(IsolatedQueueFunction.Find(assembly, name), _services, storage, output: null).ConfigureAwait(false));
        }
    }
}

/// <summary>A body with its signature header, ready to send.</summary>
internal sealed record SignedWebhook(LoadEvent Event, byte[] Body, string Signature, string Header);
