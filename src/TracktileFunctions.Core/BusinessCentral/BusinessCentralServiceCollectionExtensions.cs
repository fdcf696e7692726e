using System.Net;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using TracktileFunctions.Erp;
using TracktileFunctions.Http;
using TracktileFunctions.Operations;

namespace TracktileFunctions.BusinessCentral;

/// <summary>Registers Microsoft Dynamics 365 Business Central (API v2.0).</summary>
public static class BusinessCentralServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Business Central client, its sign-in, the ERP role, the customer webhook, subscriptions and the
    /// reconciliation. Its settings are checked at start only when it is the ERP (<paramref name="isTheErp"/>); otherwise its
    /// webhook answers 404 and its timers do nothing.
    /// </summary>
    public static IServiceCollection AddBusinessCentral(this IServiceCollection services, IConfiguration configuration, bool isTheErp)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<BusinessCentralOptions>().BindConfiguration(BusinessCentralOptions.SectionName)
            .PostConfigure(o =>
            {
                o.Enabled = isTheErp;
                o.Normalize();
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<BusinessCentralCompany>();
        services.AddSingleton(sp => new BusinessCentralCredential(
            sp.GetRequiredService<IOptions<BusinessCentralOptions>>(), sp.GetKeyedService<HttpPipelineTransport>(BusinessCentralCredential.TransportKey)));
        services.AddTransient<BusinessCentralAuthenticationHandler>();
        services.AddHttpClient<BusinessCentralClient>((sp, http) =>
            {
                http.BaseAddress = sp.GetRequiredService<IOptions<BusinessCentralOptions>>().Value.ApiRoot;
                http.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns timeouts
            })
            .AddHttpMessageHandler<BusinessCentralAuthenticationHandler>()
            .AddStandardResilienceHandler()
            .Configure((resilience, sp) =>
            {
                sp.GetRequiredService<IOptions<BusinessCentralOptions>>().Value.Resilience.ApplyTo(resilience);
                ApiResilienceOptions.RetryNoUnsafeCreates(resilience);
            });

        services.AddTransient<BusinessCentralErp>();
        if (isTheErp)
        {
            services.AddTransient<IErp>(sp => sp.GetRequiredService<BusinessCentralErp>());
        }

        services.AddSingleton<BusinessCentralWebhook>();
        services.AddTransient<BusinessCentralCustomerConsumer>();
        services.AddTransient<BusinessCentralSubscriptions>();
        services.AddTransient<BusinessCentralReconciliation>();
        if (isTheErp)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionCheck, BusinessCentralConnectionCheck>());
        }

        return services;
    }
}
