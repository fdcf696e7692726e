namespace TracktileFunctions.LoadDriver;

internal static class Usage
{
    public const string Text = """
        Usage (from the repository root):
          dotnet run -c Release --project tests/TracktileFunctions.LoadDriver -- products --sizes 1000,10000,100000 [options]

        For each size: the seed's sequential loop, then the app's product batch (ProductSyncService.RunAsync plus its
        queue functions under the real queue extension), each in a fresh child process against a fresh sandbox
        (and, for the app, a fresh Azurite behind a counting proxy). Prints a Markdown table and writes it, with a
        .json of every figure, to tests/TracktileFunctions.LoadDriver/LoadDriverResults/.

        Options:
          --sizes N,N,...      products per run (required)
          --latency-ms MS      the sandbox's delay before every Tracktile and ERP answer (20)
          --cap N              the ERP concurrency cap, Erp:Resilience:MaxConcurrency (8); the ERP-side bound is cap / latency
          --seed-max N         the seed loop stops after N products and its rate is reported as such (default: all)
          --set Key=Value      an app setting, repeatable (Key:Sub or Key__Sub), e.g. --set ProductSync:PageSize=100
          --pagination MODE    Tracktile:Api:Products:Pagination for the app and the sandbox: OffsetEnvelope (default),
                               CursorEnvelope or BareArray
          --functions A,B      the app's queue functions to run (ProductUpsertFunction)
          --timeout-s S        the longest a scenario may take (default 120 s + 50 ms per product)
          --stall-s S          fail a scenario in which nothing moved for S seconds (60)
          --log-level LEVEL    the app's log level, shown on stderr (Warning)
          --out DIR            where the results go
          --no-proxy           give the app Azurite directly: storage operations are not counted
          --skip-seed          only the app
          --skip-app           only the seed loop
        """;
}
