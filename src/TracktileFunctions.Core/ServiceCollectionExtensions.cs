using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using TracktileFunctions.BusinessCentral;
using TracktileFunctions.Erp;
using TracktileFunctions.RestErp;
using TracktileFunctions.Http;
using TracktileFunctions.Messaging;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.QuickBooks;
using TracktileFunctions.Storage;
using TracktileFunctions.Secrets;
using TracktileFunctions.ShipHero;
using TracktileFunctions.Shopify;
using TracktileFunctions.Sync;
using TracktileFunctions.Tracktile;
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
        services.AddSingleton(sp => sp.GetRequiredService<StorageClientFactory>().CreateTableServiceClient());
        services.AddSingleton(sp => new PayloadStore(sp.GetRequiredService<BlobServiceClient>()
            .GetBlobContainerClient(sp.GetRequiredService<IOptions<StorageOptions>>().Value.PayloadContainer)));
        services.AddSingleton(sp => new EventPublisher(sp.GetRequiredService<QueueServiceClient>(), sp.GetRequiredService<PayloadStore>()));
        services.AddSingleton<EventMessageReader>();
        services.AddSingleton<QueueProvisioner>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueProvisioner>());

        // Secrets the app is given at run time (a webhook's shared secret, an API user's tokens): Key Vault, or a table.
        services.AddOptions<SecretStoreOptions>().BindConfiguration(SecretStoreOptions.SectionName);
        services.AddSingleton<ISecretStore>(sp => sp.GetRequiredService<IOptions<SecretStoreOptions>>().Value.KeyVaultUri is { Length: > 0 } vault
            ? new KeyVaultSecretStore(new Azure.Security.KeyVault.Secrets.SecretClient(new Uri(vault), sp.GetRequiredService<StorageClientFactory>().Credential))
            : new TableSecretStore(Table(sp, TableSecretStore.TableName)));

        // What the status page shows: outcomes seen by this instance, written to a table now and then.
        services.AddOptions<OperationsOptions>().BindConfiguration(OperationsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<OperationsOptions>>().Value);
        services.AddSingleton(sp => new ActivityLog(Table(sp, ActivityLog.TableName), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<OperationsOptions>()));
        services.AddHostedService<ActivityFlusher>();
        // Depths and ages only: its client reads bodies as they are, so a message that is not base64 (moved to poison by
        // the queue trigger) cannot make the peek fail.
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<QueueDepths>(sp, sp.GetRequiredService<StorageClientFactory>().CreateQueueServiceClient(base64: false)));
        services.AddSingleton<QueueDepthGauge>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueDepthGauge>());
        services.AddTransient<FailureList>();
        services.AddTransient<StatusReport>();
        services.AddTransient<HealthCheck>();
        services.AddSingleton<Dashboard>(); // the status page's HTML, read once from this assembly
        services.AddTracktileTelemetry(); // every HttpClient's calls counted and timed by system, operation and outcome (Operations/OutboundCallHandler.cs)

        // Webhook ingress.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookSourceOptions>, WebhookSourceOptionsValidator>());
        // Tracktile's webhooks: the secrets in settings, and those the app stored when it registered or rotated its hooks.
        services.AddOptions<TracktileHooksOptions>().BindConfiguration(TracktileHooksOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TracktileHookSecrets>();
        services.AddWebhookSource(WebhookSources.Tracktile, "Tracktile:Webhook", EventRouter.TracktileDefaults, _ => { },
            stored: sp => sp.GetRequiredService<TracktileHookSecrets>());
        services.AddTransient<TracktileWebhookSetup>();

        // Outbound clients: typed HttpClients with timeouts, retries (Retry-After honoured) and a concurrency cap.
        services.AddOptions<TracktileClientOptions>().BindConfiguration(TracktileClientOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient<TracktileClient>((sp, http) =>
            {
                var o = sp.GetRequiredService<IOptions<TracktileClientOptions>>().Value;
                http.BaseAddress = HttpBase.Address(o.BaseUrl);
                http.DefaultRequestHeaders.Authorization = new("Bearer", o.Token);
                http.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns timeouts
            })
            .AddStandardResilienceHandler()
            .Configure((options, sp) =>
            {
                sp.GetRequiredService<IOptions<TracktileClientOptions>>().Value.Resilience.ApplyTo(options);
                ApiResilienceOptions.RetryNoUnsafeCreates(options); // POST /orders has no idempotency key
            });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionCheck, TracktileConnectionCheck>()); // always on: the status page lists its connection

        // Queue processing: de-duplication ledger, sync state, failure log, and one consumer per queue. Consumers are
        // transient so each invocation gets typed HttpClients whose handlers the factory rotates (DNS changes).
        services.AddSingleton(sp => new ProcessedEventStore(Table(sp, ProcessedEventStore.TableName), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SyncStateStore(Table(sp, SyncStateStore.TableName), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new FailureLog(Table(sp, FailureLog.TableName), sp.GetRequiredService<EventPublisher>(), sp.GetRequiredService<TimeProvider>()));
        services.AddOptions<ProcessingOptions>().BindConfiguration(ProcessingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<QueueEventProcessor>();
        services.AddTransient<PoisonReplayer>();

        services.AddOptions<ErpOrderOptions>().BindConfiguration(ErpOrderOptions.SectionName)
            .PostConfigure(o => o.CreateOnStatuses = o.CreateOnStatuses.Count == 0 ? [.. ErpOrderOptions.DefaultCreateOnStatuses] : o.CreateOnStatuses);
        services.AddOptions<ErpShipmentOptions>().BindConfiguration(ErpShipmentOptions.SectionName)
            .PostConfigure(o => o.ConfirmOnStatuses = o.ConfirmOnStatuses.Count == 0 ? [.. ErpShipmentOptions.DefaultConfirmOnStatuses] : o.ConfirmOnStatuses);
        services.AddOptions<ErpInventoryOptions>().BindConfiguration(ErpInventoryOptions.SectionName)
            .PostConfigure(o => o.Complete(configuration))
            .Validate(o => o.Problems.Count == 0, "Erp:Inventory:Locations: every list entry needs both Node and Location (Locations:N:Node, Locations:N:Location).")
            .ValidateOnStart();
        services.AddTransient<ErpOrderConsumer>();
        services.AddTransient<ErpShipmentConsumer>();
        services.AddTransient<ErpInventoryConsumer>();
        services.AddTransient<ErpProductConsumer>();
        services.AddOptions<ErpCustomerOptions>().BindConfiguration(ErpCustomerOptions.SectionName);
        services.AddOptions<CustomerSyncOptions>().BindConfiguration(CustomerSyncOptions.SectionName);
        services.AddTransient(sp => CustomerSync.ForErp(sp.GetRequiredService<TracktileClient>(), sp.GetRequiredService<IErp>(),
            sp.GetRequiredService<SyncStateStore>(), sp.GetRequiredService<IOptions<CustomerSyncOptions>>()));
        services.AddKeyedTransient(TracktileCustomerChangeConsumer.Erp, (sp, _) => new TracktileCustomerChangeConsumer(
            "erp-customers", sp.GetRequiredService<CustomerSync>(), sp.GetRequiredService<IOptions<ErpCustomerOptions>>().Value.CustomerIdProperty));

        // The SKU index web stores and warehouses match products by, fed by the product batch when one is on.
        services.AddSingleton(sp => new Store.ProductSkuIndex(Table(sp, Store.ProductSkuIndex.TableName)));
        services.AddTransient<Store.StoreProductIndexConsumer>();

        // The systems we connect: each registers itself from its own folder. Erp:Provider says which one is the ERP.
        var erp = ErpOptions.Provider(configuration);
        services.AddRestErp(configuration, isTheErp: erp == ErpProvider.Rest);
        services.AddBusinessCentral(configuration, isTheErp: erp == ErpProvider.BusinessCentral);
        services.AddShopify(configuration);
        services.AddShipHero(configuration);
        services.AddQuickBooks(configuration);

        // The product batch.
        services.AddOptions<ProductSyncOptions>()
            .Configure(o => o.Schedule = configuration["ProductSyncSchedule"] is { Length: > 0 } legacy ? legacy : o.Schedule)
            .BindConfiguration(ProductSyncOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddTransient(sp => ActivatorUtilities.CreateInstance<ProductSyncService>(sp, Table(sp, ProductSyncService.RunsTableName)));
        services.AddTransient<ProductSyncRunner>();
        services.AddTransient<ProductPageProcessor>();

        return services;
    }

    private static LazyTable Table(IServiceProvider services, string name)
        => new(services.GetRequiredService<TableServiceClient>().GetTableClient(name));

}
