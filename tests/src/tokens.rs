//! Mints and token accounts through the real SPL Token program.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token::spl_token;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_system_interface::instruction as system_instruction;

use crate::bench::TestBench;

/// Rent-exempt lamports for `len` bytes.
async fn rent(bench: &TestBench, len: usize) -> u64 {
    let rent = bench
        .ctx
        .banks_client
        .get_rent()
        .await
        .expect("rent sysvar");
    rent.minimum_balance(len)
}

impl TestBench {
    /// Creates an SPL mint with `decimals`, minted by the bench payer.
    pub async fn create_mint(&mut self, decimals: u8) -> Pubkey {
        let mint = Keypair::new();
        let payer = self.payer();
        let len = spl_token::state::Mint::LEN;
        let ixs = [
            system_instruction::create_account(
                &payer.pubkey(),
                &mint.pubkey(),
                rent(self, len).await,
                len as u64,
                &spl_token::ID,
            ),
            spl_token::instruction::initialize_mint2(
                &spl_token::ID,
                &mint.pubkey(),
                &payer.pubkey(),
                None,
                decimals,
            )
            .expect("initialize_mint2"),
        ];
        self.send(&ixs, &[&mint]).await.expect("create mint");
        mint.pubkey()
    }

    /// Creates a token account of `mint` owned by `owner`.
    pub async fn create_token_account(&mut self, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let account = Keypair::new();
        let payer = self.payer();
        let len = spl_token::state::Account::LEN;
        let ixs = [
            system_instruction::create_account(
                &payer.pubkey(),
                &account.pubkey(),
                rent(self, len).await,
                len as u64,
                &spl_token::ID,
            ),
            spl_token::instruction::initialize_account3(
                &spl_token::ID,
                &account.pubkey(),
                mint,
                owner,
            )
            .expect("initialize_account3"),
        ];
        self.send(&ixs, &[&account])
            .await
            .expect("create token account");
        account.pubkey()
    }

    /// Mints `amount_native` of `mint` (authority: the bench payer) into `to`.
    pub async fn mint_to(&mut self, mint: &Pubkey, to: &Pubkey, amount_native: u64) {
        let payer = self.payer();
        let ix = spl_token::instruction::mint_to(
            &spl_token::ID,
            mint,
            to,
            &payer.pubkey(),
            &[],
            amount_native,
        )
        .expect("mint_to");
        self.send(&[ix], &[]).await.expect("mint_to");
    }

    /// unit: token native. Balance of a token account.
    pub async fn token_balance(&self, account: &Pubkey) -> u64 {
        let acc = self
            .get_account(account)
            .await
            .expect("token account exists");
        spl_token::state::Account::unpack(&acc.data)
            .expect("token account")
            .amount
    }

    /// Funds a fresh keypair with SOL for fees and rent.
    pub async fn funded_keypair(&mut self, lamports: u64) -> Keypair {
        let kp = Keypair::new();
        let payer = self.payer();
        let ix = system_instruction::transfer(&payer.pubkey(), &kp.pubkey(), lamports);
        self.send(&[ix], &[]).await.expect("fund keypair");
        kp
    }
}
