"""A real 10,545-row × 30-column table for the issue's 10k × 30 imputation timing: dslabs::gapminder with
GDP per head and each country's previous four years of its five measured columns as extra columns (an
analyst's lag table): 9 + 1 + 20 = 30 columns.
usage: /usr/bin/python3 bench/prototypes/wide-gapminder.py OUT.csv [ROWS SEED]
With ROWS, a seeded sample of that many rows (the peers' missForest takes hours on all 10,545: the
impute-shared bench runs `gapminder_wide2k`, 2,000 rows, seed 1, written as <mask dir>/gapminder_wide2k.csv)."""
import sys
import pandas as pd

src = __file__.rsplit('/bench/', 1)[0] + '/../shared/data/tabular/dslabs__gapminder.csv'
df = pd.read_csv(src).sort_values(['country', 'year'], kind='stable')
df['gdp_per_head'] = df['gdp'] / df['population']
numeric = ['infant_mortality', 'life_expectancy', 'fertility', 'population', 'gdp']
lags = []
for lag in (1, 2, 3, 4):
    shifted = df.groupby('country')[numeric].shift(lag)
    shifted.columns = [f'{c}_lag{lag}' for c in numeric]
    lags.append(shifted)
wide = pd.concat([df] + lags, axis=1)
if len(sys.argv) > 2:
    wide = wide.sample(n=int(sys.argv[2]), random_state=int(sys.argv[3])).sort_index()
wide.to_csv(sys.argv[1], index=False)
print(wide.shape)
