using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.Webhooks;

/// <summary>Registers webhook senders: each system that calls back adds its own.</summary>
public static class WebhookServiceCollectionExtensions
{
    /// <summary>Registers a keyed <see cref="WebhookReceiver"/> for one sender, bound from <paramref name="section"/>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="source">The sender's name (the receiver's key).</param>
    /// <param name="section">Its configuration section.</param>
    /// <param name="defaultRoutes">Its routes unless configured otherwise.</param>
    /// <param name="defaults">Its other defaults.</param>
    /// <param name="stored">The secrets the app stores itself for this sender, when it registers its webhooks.</param>
    public static void AddWebhookSource(
        this IServiceCollection services,
        string source,
        string section,
        IReadOnlyList<EventRoute> defaultRoutes,
        Action<WebhookSourceOptions> defaults,
        Func<IServiceProvider, IWebhookSecretSource>? stored = null)
    {
        services.AddOptions<WebhookSourceOptions>(source)
            .Configure(defaults)
            .BindConfiguration(section)
            .PostConfigure(o =>
            {
                // An empty app setting is an unset one (Azure cannot tell them apart): a slot left empty is no secret.
                o.Secrets = [.. o.Secrets.Where(secret => !string.IsNullOrEmpty(secret))];
                if (o.IncludeDefaultRoutes)
                {
                    o.Routes = [.. defaultRoutes, .. o.Routes];
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddKeyedSingleton(source, (sp, _) => new WebhookReceiver(
            source,
            sp.GetRequiredService<IOptionsMonitor<WebhookSourceOptions>>().Get(source),
            sp.GetRequiredService<EventPublisher>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<WebhookReceiver>>(),
            sp.GetRequiredService<Operations.ActivityLog>(),
            stored?.Invoke(sp)));
    }
}
