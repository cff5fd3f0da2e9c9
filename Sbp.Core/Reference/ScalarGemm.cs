using Sbp.Core.Numerics;

namespace Sbp.Core.Reference;

/// <summary>The obvious triple loop (double accumulation), used only as the test oracle of <see cref="Gemm"/>.</summary>
internal static class ScalarGemm
{
    public static void Multiply(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = ta == Transpose.No ? a[i * lda + p] : a[p * lda + i];
                    float bv = tb == Transpose.No ? b[p * ldb + j] : b[j * ldb + p];
                    sum += (double)av * bv;
                }
                c[i * ldc + j] = beta == 0f ? (float)(alpha * sum) : (float)(alpha * sum + beta * c[i * ldc + j]);
            }
    }
}
