using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Storage;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions;

/// <summary>All of the app's wiring, in one place: read this file to see how the pieces fit.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Registers every service the functions use, with options validated at start.</summary>
    public static IServiceCollection AddTracktileFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);

        // Storage: queues (events), blobs (claim checks), tables (state). One connection, Functions-style.
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new StorageClientFactory(configuration, sp.GetRequiredService<IOptions<StorageOptions>>().Value.Connection));
        services.AddSingleton(sp => sp.GetRequiredService<StorageClientFactory>().CreateQueueServiceClient());
        services.AddSingleton(sp => sp.GetRequiredService<StorageClientFactory>().CreateBlobServiceClient());
        services.AddSingleton(sp => new PayloadStore(sp.GetRequiredService<BlobServiceClient>()
            .GetBlobContainerClient(sp.GetRequiredService<IOptions<StorageOptions>>().Value.PayloadContainer)));
        services.AddSingleton(sp => new EventQueuePublisher(sp.GetRequiredService<QueueServiceClient>()));
        services.AddSingleton<EventMessageReader>();

        // Webhook ingress.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookSourceOptions>, WebhookSourceOptionsValidator>());
        services.AddWebhookSource(WebhookSources.Tracktile, "Tracktile:Webhook", EventRouter.TracktileDefaults, _ => { });

        return services;
    }

    /// <summary>Registers a keyed <see cref="WebhookReceiver"/> for one sender, bound from <paramref name="section"/>.</summary>
    private static void AddWebhookSource(
        this IServiceCollection services,
        string source,
        string section,
        IReadOnlyList<EventRoute> defaultRoutes,
        Action<WebhookSourceOptions> defaults)
    {
        services.AddOptions<WebhookSourceOptions>(source)
            .Configure(defaults)
            .BindConfiguration(section)
            .PostConfigure(o =>
            {
                if (o.Routes.Count == 0)
                {
                    o.Routes = [.. defaultRoutes];
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddKeyedSingleton(source, (sp, _) => new WebhookReceiver(
            source,
            sp.GetRequiredService<IOptionsMonitor<WebhookSourceOptions>>().Get(source),
            sp.GetRequiredService<EventQueuePublisher>(),
            sp.GetRequiredService<PayloadStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<WebhookReceiver>>()));
    }
}
