using TracktileFunctions.Webhooks;

namespace TracktileFunctions.UnitTests.Webhooks;

public sealed class WebhookSourceOptionsValidatorTests
{
    private static readonly WebhookSourceOptionsValidator Validator = new();

    private static WebhookSourceOptions Options(params string[] secrets) => new()
    {
        Secrets = [.. secrets],
        Routes = [.. EventRouter.TracktileDefaults],
    };

    [Fact]
    public void Validate_UsableSecretsAndRoutes_Succeeds()
        => Assert.True(Validator.Validate("tracktile", Options("s1", "s2")).Succeeded);

    [Fact]
    public void Validate_BlankSecret_Fails()
        => Assert.Contains("non-empty", Validator.Validate("tracktile", Options("s1", " ")).FailureMessage, StringComparison.Ordinal);

    [Fact]
    public void Validate_UnresolvedKeyVaultReference_FailsSoItIsNeverAnAcceptedSecret()
    {
        var result = Validator.Validate("tracktile", Options("@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x/)"));

        Assert.True(result.Failed);
        Assert.Contains("Key Vault reference", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InvalidRouteQueue_FailsNamingTheQueue()
    {
        var options = Options("s1");
        options.Routes = [new EventRoute { Kind = "order.status.changed", Queues = ["Bad_Queue"] }];

        Assert.Contains("Bad_Queue", Validator.Validate("tracktile", options).FailureMessage, StringComparison.Ordinal);
    }
}
